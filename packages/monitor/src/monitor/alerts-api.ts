import { type Clock, type Logger, parseInput } from '@opskit/core'
import { z } from 'zod'
import type { GroupSnapshot } from '../alerting/aggregation-group.js'
import { createDispatcher, type Dispatcher } from '../alerting/dispatcher.js'
import { createInhibitor, type InhibitRuleInput } from '../alerting/inhibition.js'
import { compileRoutes, type RouteConfig, type RouteNode } from '../alerting/routing.js'
import {
  createSilences,
  type Silence,
  type SilenceInput,
  type SilenceState,
  type Silences,
} from '../alerting/silences.js'
import {
  compileTimeIntervals,
  type TimeIntervalSpec,
  type TimeIntervalTest,
} from '../alerting/time-intervals.js'
import type { AlertChannel } from '../channels/alert-channel.js'
import { MonitorError } from '../errors/monitor-error.js'
import type { EscalationLevel } from '../incidents/escalation.js'
import { type Incident, type IncidentStats, incidentStats } from '../incidents/incident.js'
import type { AlertInstance, PostableAlert } from '../rules/alert-types.js'
import { type Duration, parseDuration } from '../rules/duration.js'
import { createRuleEngine } from '../rules/rule-engine.js'
import type { AlertRuleDefinition, RuleEngine, RuleStatus } from '../rules/rule-engine-types.js'
import { createPushSampleSource, type PushSampleSource, type SampleSource } from '../rules/sample-source.js'
import type { SelfMetrics } from './self-metrics.js'

/** A snapshot of the alerting state: `monitor.alerts.state()`. */
export interface AlertsState {
  rules: RuleStatus[]
  alerts: AlertInstance[]
  groups: GroupSnapshot[]
  silences: Array<Silence & { state: SilenceState }>
  /** Whether this instance evaluates (holds the leader lock, or runs alone). */
  leader: boolean
}

/** The alerting API: `monitor.alerts`. */
export interface Alerts {
  /** Samples the host pushes; rules read them along with the registry's. */
  readonly samples: PushSampleSource
  addRule(rule: AlertRuleDefinition): void
  removeRule(name: string): void
  /** Registers (or replaces) a named receiver: one or more channels. */
  receiver(name: string, channels: AlertChannel | AlertChannel[]): void
  /**
   * Registers (or replaces) a named set of time intervals (Alertmanager's `time_intervals`), for
   * routes' `muteTimeIntervals` and `activeTimeIntervals`. Register it before the route naming it.
   */
  timeInterval(name: string, intervals: TimeIntervalSpec[]): void
  /** Sets the routing tree. */
  route(config: RouteConfig): void
  silence(input: SilenceInput): Silence
  updateSilence(id: string, change: { startsAt?: Date | number; endsAt?: Date | number }): Silence
  expireSilence(id: string): Silence
  inhibit(rule: InhibitRuleInput): void
  /**
   * Acknowledges an incident: no repeats or escalation; mirrored to channels that support it
   * (PagerDuty). On an instance that is not the leader, the action is stored for the leader,
   * which applies it within one interval; the incident returned is the expected result.
   */
  acknowledge(incidentId: string, by: string): Promise<Incident>
  /** Resolves an incident by hand, silencing its alerts until their condition clears once. */
  resolve(incidentId: string, by: string): Promise<Incident>
  /** Escalation levels applied to every incident while unacknowledged and firing. */
  escalation(policy: { levels: Array<{ afterMs: Duration; receivers: string[] }> }): void
  /** Evaluates every rule once at `at` (default now) and dispatches the alerts that need sending. */
  evaluate(at?: number): Promise<PostableAlert[]>
  /** Evaluates every `intervalMs` (never overlapping; skipped ticks are counted). */
  start(intervalMs: Duration): void
  stop(): void
  state(): AlertsState
}

/** The incidents API: `monitor.incidents`. */
export interface Incidents {
  list(filter?: { status?: Incident['status'] }): Incident[]
  get(id: string): Incident | undefined
  update(id: string, change: { note?: string; assignee?: string; by?: string }): Incident
  /** MTTA and MTTR over incidents triggered in `[from, to)`. */
  stats(range?: { from?: number; to?: number }): IncidentStats
}

/** Hooks the persistence layer plugs in. */
export interface AlertsHooks {
  onIncident?: (incident: Incident) => void
  onSilence?: (silence: Silence) => void
  onLog?: Parameters<typeof createDispatcher>[0]['onLog']
  afterEvaluate?: (instances: AlertInstance[]) => Promise<void>
  /** Whether this instance may evaluate now (leader election). */
  canEvaluate?: () => Promise<boolean>
  /** Hands an incident action to the leader when this instance runs but is not the leader. */
  forward?: (command: IncidentCommand) => Promise<Incident>
}

/** An incident action forwarded to the leader. */
export interface IncidentCommand {
  op: 'acknowledge' | 'resolve'
  incidentId: string
  by: string
}

/** Builds the alerting and incident APIs. */
export function createAlertsApi(input: {
  clock: Clock
  logger: Logger
  source: SampleSource
  externalUrl: string
  selfMetrics: SelfMetrics
  hooks: AlertsHooks
  notifyRetries?: number
}): {
  alerts: Alerts
  incidents: Incidents
  engine: RuleEngine
  dispatcher: Dispatcher
  silences: Silences
  close(): void
} {
  const { clock, logger, hooks } = input
  const pushed = createPushSampleSource()
  const receivers = new Map<string, AlertChannel[]>()
  const timeIntervals = new Map<string, TimeIntervalTest>()
  let root: RouteNode | undefined
  let escalationLevels: EscalationLevel[] = []
  const silences = createSilences(clock, (s) => hooks.onSilence?.(s))
  const inhibitor = createInhibitor()
  const dispatcher = createDispatcher({
    clock,
    logger,
    silences,
    inhibitor,
    routes: () => root,
    receivers: (name) => receivers.get(name),
    timeIntervals: (name) => timeIntervals.get(name),
    escalation: () => escalationLevels,
    externalUrl: input.externalUrl,
    metrics: input.selfMetrics,
    ...(input.notifyRetries !== undefined ? { notifyRetries: input.notifyRetries } : {}),
    onIncident: (incident) => hooks.onIncident?.(incident),
    onLog: (key, entry) => hooks.onLog?.(key, entry),
  })
  const merged: SampleSource = {
    async collect() {
      const [a, b] = await Promise.all([input.source.collect(), pushed.collect()])
      return b.length === 0 ? a : [...a, ...b]
    },
  }
  const engine = createRuleEngine({
    source: merged,
    clock,
    externalUrl: input.externalUrl,
    sink: (alerts) => dispatcher.put(alerts),
  })
  let leader = !hooks.canEvaluate
  let timer: ReturnType<Clock['setTimeout']> | undefined
  let running = false
  let stopped = true

  let closed = false
  const evaluate = async (at?: number) => {
    if (closed) throw new MonitorError('MONITOR_CLOSED', 'the monitor is closed')
    const started = performance.now()
    const out = await engine.evaluate(at)
    const statuses = engine.rules()
    input.selfMetrics.evaluation(
      (performance.now() - started) / 1000,
      statuses.length,
      statuses.filter((r) => r.health === 'error').length,
    )
    await hooks.afterEvaluate?.(engine.instances())
    return out
  }

  const loop = (intervalMs: number) => {
    timer = clock.setTimeout(() => {
      if (stopped) return
      loop(intervalMs)
      if (running) {
        input.selfMetrics.missedIteration()
        return
      }
      running = true
      void (async () => {
        try {
          leader = hooks.canEvaluate ? await hooks.canEvaluate() : true
          if (leader && !stopped) await evaluate()
        } catch (error) {
          logger.error({ err: error }, 'alert evaluation failed')
        } finally {
          running = false
        }
      })()
    }, intervalMs)
  }

  const escalationSchema = z
    .object({
      levels: z.array(
        z
          .object({
            afterMs: z.union([z.number().nonnegative(), z.string()]),
            receivers: z.array(z.string().min(1)).min(1),
          })
          .strict(),
      ),
    })
    .strict()

  const alerts: Alerts = {
    samples: pushed,
    addRule: (rule) => engine.addRule(rule),
    removeRule: (name) => engine.removeRule(name),
    receiver(name, channels) {
      if (typeof name !== 'string' || name.length === 0)
        throw new MonitorError('MONITOR_INVALID_OPTIONS', 'a receiver needs a name')
      const list = Array.isArray(channels) ? channels : [channels]
      for (const c of list) {
        if (!c || typeof c.send !== 'function' || typeof c.type !== 'string')
          throw new MonitorError(
            'MONITOR_INVALID_OPTIONS',
            `receiver "${name}": every channel must implement AlertChannel`,
          )
      }
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
      hooks.forward && !stopped && !leader
        ? hooks.forward({ op: 'acknowledge', incidentId: id, by })
        : dispatcher.incidents.acknowledge(id, by),
    resolve: (id, by) =>
      hooks.forward && !stopped && !leader
        ? hooks.forward({ op: 'resolve', incidentId: id, by })
        : dispatcher.incidents.resolve(id, by),
    escalation(policy) {
      const parsed = parseInput(
        escalationSchema,
        policy,
        (message) => new MonitorError('MONITOR_INVALID_OPTIONS', `invalid escalation: ${message}`),
      )
      const levels = parsed.levels.map((l, i) => ({
        afterMs: parseDuration(l.afterMs, `levels[${i}].afterMs`),
        receivers: l.receivers,
      }))
      for (const level of levels)
        for (const r of level.receivers)
          if (!receivers.has(r))
            throw new MonitorError('MONITOR_UNKNOWN_RECEIVER', `escalation: unknown receiver "${r}"`)
      escalationLevels = levels.sort((a, b) => a.afterMs - b.afterMs)
    },
    evaluate,
    start(intervalMs) {
      if (closed) throw new MonitorError('MONITOR_CLOSED', 'the monitor is closed')
      const ms = parseDuration(intervalMs, 'intervalMs')
      if (ms < 10)
        throw new MonitorError('MONITOR_INVALID_OPTIONS', 'the evaluation interval must be at least 10 ms')
      alerts.stop()
      stopped = false
      engine.setInterval(ms)
      loop(ms)
    },
    stop() {
      stopped = true
      if (timer !== undefined) clock.clearTimeout(timer)
      timer = undefined
    },
    state: () => ({
      rules: engine.rules(),
      alerts: engine.instances(),
      groups: dispatcher.groups(),
      silences: silences.list(),
      leader,
    }),
  }
  const incidents: Incidents = {
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
  return {
    alerts,
    incidents,
    engine,
    dispatcher,
    silences,
    close() {
      closed = true
      alerts.stop()
      dispatcher.close()
    },
  }
}
