import type { Clock, Logger } from '@opskit/core'
import {
  type AlertChannel,
  type AlertNotification,
  type AlertState,
  compileRoutes,
  createDispatcher,
  createInhibitor,
  createRuleEngine,
  createSilences,
  type Incident,
  type Monitor,
  registrySampleSource,
} from '@opskit/monitor'
import { ALERT_RULES } from './alert-rules.js'

/** A change of an alert instance's state, as the rule engine reported it. */
export interface AlertTransition {
  at: number
  rule: string
  fingerprint: string
  from: AlertState | 'resolved' | 'new'
  to: AlertState | 'resolved'
  value: number
}

/** What the alert wiring tells its listeners (the operator page's live stream, the demo). */
export type AlertUpdate =
  | { type: 'transition'; transition: AlertTransition }
  | { type: 'incident'; incident: Incident }
  | { type: 'notification'; notification: AlertNotification }

/** @opskit/monitor's rule engine and Alertmanager-style dispatcher, wired for the service. */
export interface AlertsWiring {
  /** Every state change seen so far. */
  readonly transitions: AlertTransition[]
  /** Notifications the operator console channel received. */
  readonly notifications: AlertNotification[]
  /** Current alert instances (pending, firing, …). */
  instances(): ReturnType<ReturnType<typeof createRuleEngine>['instances']>
  incidents(): Incident[]
  acknowledge(incidentId: string, by: string): Promise<Incident>
  /** Runs one evaluation now (the timer runs them every `intervalMs` too). */
  evaluate(): Promise<void>
  subscribe(listener: (update: AlertUpdate) => void): () => void
  /** Adds channels (e-mail, SMS) to the `operators` receiver. */
  addChannel(channel: AlertChannel): void
  close(): void
}

/** Wires the alert rules over the monitor's registry, evaluated every `intervalMs`. */
export function wireAlerts(options: {
  monitor: Monitor
  clock: Clock
  logger: Logger
  intervalMs: number
  externalUrl: string
}): AlertsWiring {
  const { clock, logger, monitor } = options
  const listeners = new Set<(update: AlertUpdate) => void>()
  const publish = (update: AlertUpdate) => {
    for (const listener of listeners) listener(update)
  }
  const transitions: AlertTransition[] = []
  const notifications: AlertNotification[] = []

  // The operator console is a channel of its own: it receives what a pager would.
  const consoleChannel: AlertChannel = {
    type: 'ops-console',
    sendResolved: true,
    async send(notification) {
      notifications.push(notification)
      if (notifications.length > 200) notifications.shift()
      publish({ type: 'notification', notification })
    },
  }
  const channels: AlertChannel[] = [consoleChannel]
  const notified = monitor.metrics.counter<'receiver' | 'channel' | 'outcome'>({
    name: 'ticketing_alert_notifications_total',
    help: 'Alert notifications by receiver, channel and outcome.',
    labelNames: ['receiver', 'channel', 'outcome'],
  })
  const muted = monitor.metrics.counter<'why'>({
    name: 'ticketing_alerts_muted_total',
    help: 'Alerts not notified because a silence or an inhibition rule muted them.',
    labelNames: ['why'],
  })
  const receiverNames = new Set(['operators'])
  const routes = compileRoutes(
    {
      receiver: 'operators',
      groupBy: ['alertname'],
      groupWait: 500,
      groupInterval: 1000,
      repeatInterval: '1h',
    },
    (name) => receiverNames.has(name),
  )
  const dispatcher = createDispatcher({
    clock,
    logger,
    silences: createSilences(clock),
    inhibitor: createInhibitor(),
    routes: () => routes,
    receivers: (name) => (receiverNames.has(name) ? channels : undefined),
    escalation: () => [],
    externalUrl: options.externalUrl,
    metrics: {
      notified: (receiver, channel, outcome) => notified.inc({ receiver, channel, outcome }),
      silenced: (count) => muted.inc({ why: 'silenced' }, count),
      inhibited: (count) => muted.inc({ why: 'inhibited' }, count),
    },
    onIncident: (incident) => publish({ type: 'incident', incident }),
  })
  const engine = createRuleEngine({
    source: registrySampleSource(monitor.registry),
    clock,
    sink: (alerts) => dispatcher.put(alerts),
    resendDelayMs: 1000,
    externalUrl: `${options.externalUrl}/ops`,
  })
  engine.setInterval(options.intervalMs)
  for (const rule of ALERT_RULES) engine.addRule(rule)

  const last = new Map<string, AlertState | 'resolved'>()
  const evaluate = async () => {
    await engine.evaluate()
    const at = clock.now()
    for (const instance of engine.instances()) {
      const now: AlertState | 'resolved' =
        instance.state === 'inactive' && instance.resolvedAt !== undefined ? 'resolved' : instance.state
      const before = last.get(instance.fingerprint)
      if (before === now) continue
      last.set(instance.fingerprint, now)
      const transition: AlertTransition = {
        at,
        rule: instance.rule,
        fingerprint: instance.fingerprint,
        from: before ?? 'new',
        to: now,
        value: instance.value,
      }
      transitions.push(transition)
      if (transitions.length > 500) transitions.shift()
      publish({ type: 'transition', transition })
    }
  }
  let running = false
  const timer = setInterval(() => {
    if (running) return
    running = true
    evaluate()
      .catch((error: unknown) => logger.error({ err: error }, 'alert evaluation failed'))
      .finally(() => {
        running = false
      })
  }, options.intervalMs)
  timer.unref()

  return {
    transitions,
    notifications,
    instances: () => engine.instances(),
    incidents: () => dispatcher.incidents(),
    acknowledge: (id, by) => dispatcher.acknowledge(id, by),
    evaluate,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    addChannel(channel) {
      channels.push(channel)
    },
    close() {
      clearInterval(timer)
      dispatcher.close()
    },
  }
}
