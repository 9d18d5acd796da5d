import type { Clock, Logger } from '@opskit/core'
import type { TenantScope } from '@opskit/core/internal'
import { createDispatcher, type Dispatcher } from '../alerting/dispatcher.js'
import { createInhibitor } from '../alerting/inhibition.js'
import { compileRoutes, type RouteNode } from '../alerting/routing.js'
import { createSilences, type Silences } from '../alerting/silences.js'
import { compileTimeIntervals, type TimeIntervalTest } from '../alerting/time-intervals.js'
import type { AlertChannel } from '../channels/alert-channel.js'
import { MonitorError } from '../errors/monitor-error.js'
import type { EscalationLevel } from '../incidents/escalation.js'
import type { IncidentOptions } from '../incidents/incident-manager.js'
import { parseDuration } from '../rules/duration.js'
import { createRuleEngine } from '../rules/rule-engine.js'
import type { RuleEngine } from '../rules/rule-engine-types.js'
import { createPushSampleSource, type SampleSource } from '../rules/sample-source.js'
import type { Alerts, AlertsHooks, IncidentCommand, Incidents } from './alerts-types.js'
import { parseEscalationPolicy } from './escalation-policy.js'
import { type RunningLoop, startEvaluationLoop } from './evaluation-loop.js'
import { applyIncidentCommand, cacheReads, createIncidentsApi, type IncidentReads } from './incidents-api.js'
import type { SelfMetrics } from './self-metrics.js'
import { withTenantGrouping } from './tenant-grouping.js'

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
  /** Resolves the tenant of each incident call. */
  tenantOf: TenantScope
  /** Tenant label, cache cap and store lookup of incidents. */
  incidentOptions: IncidentOptions
  /** Where incident reads go. @default this instance's cache */
  reads?: IncidentReads | undefined
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
    incidentOptions: ctx.incidentOptions,
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
  const act = (command: IncidentCommand) =>
    forwarding() && hooks.forward
      ? hooks.forward(command)
      : applyIncidentCommand(dispatcher.incidents, command)
  const { tenantLabel } = ctx.incidentOptions

  const evaluate = async (at?: number) => {
    if (closed) throw new MonitorError('MONITOR_CLOSED', 'the monitor is closed')
    const started = performance.now()
    await hooks.beforeEvaluate?.()
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
        tenantLabel === undefined ? config : withTenantGrouping(config, tenantLabel),
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
    acknowledge: async (id, by, options) =>
      act({ op: 'acknowledge', incidentId: id, by, tenantId: ctx.tenantOf(options?.tenantId) }),
    resolve: async (id, by, options) =>
      act({ op: 'resolve', incidentId: id, by, tenantId: ctx.tenantOf(options?.tenantId) }),
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
      hooks.onInterval?.(ms)
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
    incidents: createIncidentsApi({
      reads: ctx.reads ?? cacheReads(dispatcher.incidents),
      tenantOf: ctx.tenantOf,
      act,
    }),
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
