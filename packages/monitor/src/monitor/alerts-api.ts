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
import { type Duration, parseDuration } from '../rules/duration.js'
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

/** What the host configured for notifications: the dispatcher reads it on each dispatch. */
interface RoutingConfig {
  receivers: Map<string, AlertChannel[]>
  timeIntervals: Map<string, TimeIntervalTest>
  root: RouteNode | undefined
  escalationLevels: EscalationLevel[]
}

/** The {@link Alerts} methods that configure receivers, routes, time intervals and escalation. */
function routingMethods(
  config: RoutingConfig,
  tenantLabel: string | undefined,
): Pick<Alerts, 'receiver' | 'route' | 'timeInterval' | 'escalation'> {
  const { receivers, timeIntervals } = config
  return {
    receiver(name, channels) {
      const list = Array.isArray(channels) ? channels : [channels]
      checkReceiver(name, list)
      receivers.set(name, list)
    },
    route(routes) {
      config.root = compileRoutes(
        tenantLabel === undefined ? routes : withTenantGrouping(routes, tenantLabel),
        (name) => receivers.has(name),
        (name) => timeIntervals.has(name),
      )
    },
    timeInterval(name, intervals) {
      timeIntervals.set(name, compileTimeIntervals(name, intervals))
    },
    escalation(policy) {
      config.escalationLevels = parseEscalationPolicy(policy, (name) => receivers.has(name))
    },
  }
}

/** The host's source followed by the pushed samples. */
function withPushed(source: SampleSource, pushed: SampleSource): SampleSource {
  return {
    async collect() {
      const [a, b] = await Promise.all([source.collect(), pushed.collect()])
      return b.length === 0 ? a : [...a, ...b]
    },
  }
}

/** Parses an evaluation interval: a duration of at least 10 ms. */
function parseEvaluationInterval(interval: Duration): number {
  const ms = parseDuration(interval, 'interval')
  if (ms < 10)
    throw new MonitorError('MONITOR_INVALID_OPTIONS', 'the evaluation interval must be at least 10 ms')
  return ms
}

/** Builds the alerting and incident APIs. */
export function createAlertsApi(ctx: AlertsApiContext): AlertsApi {
  const { clock, hooks } = ctx
  const pushed = createPushSampleSource()
  const config: RoutingConfig = {
    receivers: new Map(),
    timeIntervals: new Map(),
    root: undefined,
    escalationLevels: [],
  }
  const silences = createSilences(clock, (s) => hooks.onSilence?.(s))
  const inhibitor = createInhibitor()
  const dispatcher = createDispatcher({
    clock,
    logger: ctx.logger,
    silences,
    inhibitor,
    routes: () => config.root,
    receivers: (name) => config.receivers.get(name),
    timeIntervals: (name) => config.timeIntervals.get(name),
    escalation: () => config.escalationLevels,
    externalUrl: ctx.externalUrl,
    metrics: ctx.selfMetrics,
    notifyRetries: ctx.notifyRetries,
    onIncident: (incident) => hooks.onIncident?.(incident),
    onLog: (key, entry) => hooks.onLog?.(key, entry),
    incidentOptions: ctx.incidentOptions,
  })
  const engine = createRuleEngine({
    source: withPushed(ctx.source, pushed),
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
  const routing = routingMethods(config, ctx.incidentOptions.tenantLabel)

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
    receiver: routing.receiver,
    route: routing.route,
    timeInterval: routing.timeInterval,
    silence: (s) => silences.create(s),
    updateSilence: (id, change) => silences.update(id, change),
    expireSilence: (id) => silences.expire(id),
    inhibit: (rule) => inhibitor.add(rule),
    acknowledge: async (id, by, options) =>
      act({ op: 'acknowledge', incidentId: id, by, tenantId: ctx.tenantOf(options?.tenantId) }),
    resolve: async (id, by, options) =>
      act({ op: 'resolve', incidentId: id, by, tenantId: ctx.tenantOf(options?.tenantId) }),
    escalation: routing.escalation,
    evaluate,
    start(interval) {
      if (closed) throw new MonitorError('MONITOR_CLOSED', 'the monitor is closed')
      const ms = parseEvaluationInterval(interval)
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
