import type { Clock, Logger } from '@opskit/core'
import { createDispatcher, type Dispatcher } from '../alerting/dispatcher.js'
import { createInhibitor } from '../alerting/inhibition.js'
import { compileRoutes, type RouteNode } from '../alerting/routing.js'
import { createSilences, type Silences } from '../alerting/silences.js'
import { compileTimeIntervals, type TimeIntervalTest } from '../alerting/time-intervals.js'
import type { AlertChannel } from '../channels/alert-channel.js'
import { MonitorError } from '../errors/monitor-error.js'
import type { EscalationLevel } from '../incidents/escalation.js'
import { incidentStats } from '../incidents/incident.js'
import { parseDuration } from '../rules/duration.js'
import { createRuleEngine } from '../rules/rule-engine.js'
import type { RuleEngine } from '../rules/rule-engine-types.js'
import { createPushSampleSource, type SampleSource } from '../rules/sample-source.js'
import type { Alerts, AlertsHooks, Incidents } from './alerts-types.js'
import { parseEscalationPolicy } from './escalation-policy.js'
import { type RunningLoop, startEvaluationLoop } from './evaluation-loop.js'
import type { SelfMetrics } from './self-metrics.js'

export type { Alerts, AlertsHooks, AlertsState, IncidentCommand, Incidents } from './alerts-types.js'

/** What {@link createAlertsApi} is built on. */
export interface AlertsApiContext {
  clock: Clock
  logger: Logger
  source: SampleSource
  externalUrl: string
  selfMetrics: SelfMetrics
  hooks: AlertsHooks
  notifyRetries?: number | undefined
}

/** The alerting API with the parts the monitor wires to persistence and leader election. */
export interface AlertsApi {
  alerts: Alerts
  incidents: Incidents
  engine: RuleEngine
  dispatcher: Dispatcher
  silences: Silences
  close(): Promise<void>
}

function checkReceiver(name: string, channels: readonly AlertChannel[]): void {
  if (typeof name !== 'string' || name.length === 0)
    throw new MonitorError('MONITOR_INVALID_OPTIONS', 'a receiver needs a name')
  for (const c of channels) {
    if (!c || typeof c.send !== 'function' || typeof c.type !== 'string')
      throw new MonitorError(
        'MONITOR_INVALID_OPTIONS',
        `receiver "${name}": every channel must implement AlertChannel`,
      )
  }
}

/** The incidents API over a dispatcher's incidents. */
function incidentsApi(dispatcher: Dispatcher): Incidents {
  return {
    list: (filter) =>
      dispatcher.incidents.list().filter((i) => !filter?.status || i.status === filter.status),
    get: (id) => dispatcher.incidents.get(id),
    update: (id, change) => dispatcher.incidents.note(id, change),
    stats: (range) =>
      incidentStats(
        dispatcher.incidents
          .list()
          .filter(
            (i) =>
              (range?.from === undefined || i.triggeredAt >= range.from) &&
              (range?.to === undefined || i.triggeredAt < range.to),
          ),
      ),
  }
}

/** Builds the alerting and incident APIs. */
export function createAlertsApi(ctx: AlertsApiContext): AlertsApi {
  const { clock, hooks } = ctx
  const pushed = createPushSampleSource()
  const receivers = new Map<string, AlertChannel[]>()
  const timeIntervals = new Map<string, TimeIntervalTest>()
  let root: RouteNode | undefined
  let escalationLevels: EscalationLevel[] = []
  const silences = createSilences(clock, (s) => hooks.onSilence?.(s))
  const inhibitor = createInhibitor()
  const dispatcher = createDispatcher({
    clock,
    logger: ctx.logger,
    silences,
    inhibitor,
    routes: () => root,
    receivers: (name) => receivers.get(name),
    timeIntervals: (name) => timeIntervals.get(name),
    escalation: () => escalationLevels,
    externalUrl: ctx.externalUrl,
    metrics: ctx.selfMetrics,
    notifyRetries: ctx.notifyRetries,
    onIncident: (incident) => hooks.onIncident?.(incident),
    onLog: (key, entry) => hooks.onLog?.(key, entry),
  })
  const source: SampleSource = {
    async collect() {
      const [a, b] = await Promise.all([ctx.source.collect(), pushed.collect()])
      return b.length === 0 ? a : [...a, ...b]
    },
  }
  const engine = createRuleEngine({
    source,
    clock,
    externalUrl: ctx.externalUrl,
    sink: (alerts) => dispatcher.put(alerts),
  })
  let leader = !hooks.canEvaluate
  let loop: RunningLoop | undefined
  let closed = false
  const forwarding = () => hooks.forward !== undefined && loop?.active === true && !leader

  const evaluate = async (at?: number) => {
    if (closed) throw new MonitorError('MONITOR_CLOSED', 'the monitor is closed')
    const started = performance.now()
    const out = await engine.evaluate(at)
    const statuses = engine.rules()
    ctx.selfMetrics.evaluation(
      (performance.now() - started) / 1000,
      statuses.length,
      statuses.filter((r) => r.health === 'error').length,
    )
    await hooks.afterEvaluate?.(engine.instances())
    return out
  }

  const alerts: Alerts = {
    samples: pushed,
    addRule: (rule) => engine.addRule(rule),
    removeRule: (name) => engine.removeRule(name),
    receiver(name, channels) {
      const list = Array.isArray(channels) ? channels : [channels]
      checkReceiver(name, list)
      receivers.set(name, list)
    },
    route(config) {
      root = compileRoutes(
        config,
        (name) => receivers.has(name),
        (name) => timeIntervals.has(name),
      )
    },
    timeInterval(name, intervals) {
      timeIntervals.set(name, compileTimeIntervals(name, intervals))
    },
    silence: (s) => silences.create(s),
    updateSilence: (id, change) => silences.update(id, change),
    expireSilence: (id) => silences.expire(id),
    inhibit: (rule) => inhibitor.add(rule),
    acknowledge: (id, by) =>
      forwarding() && hooks.forward
        ? hooks.forward({ op: 'acknowledge', incidentId: id, by })
        : dispatcher.incidents.acknowledge(id, by),
    resolve: (id, by) =>
      forwarding() && hooks.forward
        ? hooks.forward({ op: 'resolve', incidentId: id, by })
        : dispatcher.incidents.resolve(id, by),
    escalation(policy) {
      escalationLevels = parseEscalationPolicy(policy, (name) => receivers.has(name))
    },
    evaluate,
    start(interval) {
      if (closed) throw new MonitorError('MONITOR_CLOSED', 'the monitor is closed')
      const ms = parseDuration(interval, 'interval')
      if (ms < 10)
        throw new MonitorError('MONITOR_INVALID_OPTIONS', 'the evaluation interval must be at least 10 ms')
      void loop?.stop()
      engine.setInterval(ms)
      const started: RunningLoop = startEvaluationLoop({
        clock,
        logger: ctx.logger,
        intervalMs: ms,
        missed: () => ctx.selfMetrics.missedIteration(),
        async iterate() {
          leader = hooks.canEvaluate ? await hooks.canEvaluate() : true
          if (leader && started.active) await evaluate()
        },
      })
      loop = started
      return { stop: () => started.stop() }
    },
    state: () => ({
      rules: engine.rules(),
      alerts: engine.instances(),
      groups: dispatcher.groups(),
      silences: silences.list(),
      leader,
    }),
  }
  return {
    alerts,
    incidents: incidentsApi(dispatcher),
    engine,
    dispatcher,
    silences,
    async close() {
      closed = true
      dispatcher.close()
      await loop?.stop()
    },
  }
}
