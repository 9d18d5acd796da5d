import type { Logger } from '@opskit/core'
import type {
  AlertChannel,
  AlertInstance,
  AlertNotification,
  AlertState,
  Incident,
  Monitor,
} from '@opskit/monitor'
import { ALERT_RULES } from './alert-rules.js'

/** A change of an alert instance's state, as seen after an evaluation. */
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

/** The service's alerting, on `monitor.alerts` and `monitor.incidents`. */
export interface AlertsWiring {
  /** Every state change seen so far (the last 500). */
  readonly transitions: AlertTransition[]
  /** Notifications the operator console received, escalations included (the last 200). */
  readonly notifications: AlertNotification[]
  /** Current alert instances (pending, firing, …). */
  instances(): AlertInstance[]
  incidents(): Incident[]
  acknowledge(incidentId: string, by: string): Promise<Incident>
  /** Runs one evaluation now (the timer runs them every `intervalMs` too). */
  evaluate(): Promise<void>
  subscribe(listener: (update: AlertUpdate) => void): () => void
  /** Adds channels (e-mail, SMS) to the `operators` receiver. */
  addChannel(channel: AlertChannel): void
  close(): void
}

/** How long an incident may stay unacknowledged before the on-call lead is paged. */
export const ESCALATE_AFTER_MS = 3_000

/**
 * Wires the service's alerting as a host does: rules, receivers, a route and an escalation
 * policy on `monitor.alerts` (whose state the monitor keeps in the service's database), and
 * acknowledgement through it. The wiring only watches the result for the operator page.
 */
export function wireAlerts(options: { monitor: Monitor; logger: Logger; intervalMs: number }): AlertsWiring {
  const { monitor, logger } = options
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
  const operators: AlertChannel[] = [consoleChannel]
  const alerts = monitor.alerts
  alerts.receiver('operators', operators)
  alerts.receiver('on-call-lead', consoleChannel)
  alerts.route({
    receiver: 'operators',
    groupBy: ['alertname'],
    groupWait: 500,
    groupInterval: 1000,
    repeatInterval: '1h',
  })
  alerts.escalation({ levels: [{ after: ESCALATE_AFTER_MS, receivers: ['on-call-lead'] }] })
  for (const rule of ALERT_RULES) alerts.addRule(rule)

  const lastState = new Map<string, AlertState | 'resolved'>()
  const lastIncident = new Map<string, string>()
  /** The incidents as of the last evaluation or acknowledgement (monitor reads are async). */
  let latest: Incident[] = []
  const observe = async () => {
    const at = Date.now()
    for (const instance of alerts.state().alerts) {
      const now: AlertState | 'resolved' =
        instance.state === 'inactive' && instance.resolvedAt !== undefined ? 'resolved' : instance.state
      const before = lastState.get(instance.fingerprint)
      if (before === now) continue
      lastState.set(instance.fingerprint, now)
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
    latest = await monitor.incidents.list()
    for (const incident of latest) {
      const version = `${incident.status}:${incident.escalationLevel}`
      if (lastIncident.get(incident.id) === version) continue
      lastIncident.set(incident.id, version)
      publish({ type: 'incident', incident })
    }
  }
  const evaluate = async () => {
    await alerts.evaluate()
    await observe()
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
    instances: () => alerts.state().alerts,
    incidents: () => latest,
    async acknowledge(id, by) {
      const incident = await alerts.acknowledge(id, by)
      await observe()
      return incident
    },
    evaluate,
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    addChannel(channel) {
      operators.push(channel)
      alerts.receiver('operators', [...operators])
    },
    close() {
      clearInterval(timer)
    },
  }
}
