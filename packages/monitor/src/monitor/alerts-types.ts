import type { GroupSnapshot } from '../alerting/aggregation-group.js'
import type { DispatcherOptions } from '../alerting/dispatcher.js'
import type { InhibitRuleInput } from '../alerting/inhibition.js'
import type { RouteConfig } from '../alerting/routing.js'
import type { Silence, SilenceInput, SilenceState } from '../alerting/silences.js'
import type { TimeIntervalSpec } from '../alerting/time-intervals.js'
import type { AlertChannel } from '../channels/alert-channel.js'
import type { Incident, IncidentStats } from '../incidents/incident.js'
import type { IncidentNote } from '../incidents/incident-manager.js'
import type { AlertInstance, PostableAlert } from '../rules/alert-types.js'
import type { Duration } from '../rules/duration.js'
import type { AlertRuleDefinition, RuleStatus } from '../rules/rule-engine-types.js'
import type { PushSampleSource } from '../rules/sample-source.js'

/** An escalation policy: `monitor.alerts.escalation()`. */
export interface EscalationPolicy {
  /** Levels applied in order of `after`: who is notified once an incident has been unacknowledged and firing that long. */
  levels: Array<{ after: Duration; receivers: string[] }>
}

/** A running evaluation loop: `monitor.alerts.start()`. */
export interface EvaluationLoop {
  /** Stops the loop; resolves once a running evaluation has finished. Idempotent. */
  stop(): Promise<void>
}

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
   * which applies it within one interval; the incident returned is the expected result. An
   * incident of another tenant is `MONITOR_NOT_FOUND`.
   */
  acknowledge(incidentId: string, by: string, options?: TenantOption): Promise<Incident>
  /** Resolves an incident by hand, silencing its alerts until their condition clears once. */
  resolve(incidentId: string, by: string, options?: TenantOption): Promise<Incident>
  /** Escalation levels applied to every incident while unacknowledged and firing. */
  escalation(policy: EscalationPolicy): void
  /** Evaluates every rule once at `at` (default now) and dispatches the alerts that need sending. */
  evaluate(at?: number): Promise<PostableAlert[]>
  /**
   * Evaluates every `interval` (never overlapping; skipped ticks are counted) until the handle's
   * `stop()`, which resolves once a running evaluation has finished. Starting again stops the
   * previous loop.
   */
  start(interval: Duration): EvaluationLoop
  state(): AlertsState
}

/** The tenant of a call (`tenantMode` says whether it is refused, optional or required). */
export interface TenantOption {
  tenantId?: string | undefined
}

/**
 * The incidents API: `monitor.incidents`. Reads go to the store (what every instance shares;
 * without a store, this instance's bounded cache); every call sees only its tenant's incidents.
 */
export interface Incidents {
  /** The tenant's incidents, newest first: at most `limit` (default 1000, at most 10,000). */
  list(
    filter?: { status?: Incident['status'] | undefined; limit?: number | undefined } & TenantOption,
  ): Promise<Incident[]>
  get(id: string, options?: TenantOption): Promise<Incident | undefined>
  /** Adds a note or assigns; forwarded to the leader like acknowledgements. */
  update(id: string, change: IncidentNote & TenantOption): Promise<Incident>
  /** MTTA and MTTR over the tenant's incidents triggered in `[from, to)` (the newest 100,000). */
  stats(range?: { from?: number | undefined; to?: number | undefined } & TenantOption): Promise<IncidentStats>
}

/** Hooks the persistence layer plugs in. */
export interface AlertsHooks {
  onIncident?: (incident: Incident) => void
  onSilence?: (silence: Silence) => void
  onLog?: DispatcherOptions['onLog']
  afterEvaluate?: (instances: AlertInstance[]) => Promise<void>
  /** Runs before each evaluation (rules created at run time are synced). */
  beforeEvaluate?: () => Promise<void>
  /** The evaluation interval `start()` was given (leases follow it). */
  onInterval?: (ms: number) => void
  /** Whether this instance may evaluate now (leader election). */
  canEvaluate?: () => Promise<boolean>
  /** Hands an incident action to the leader when this instance runs but is not the leader. */
  forward?: (command: IncidentCommand) => Promise<Incident>
}

/** An incident action, run by the leader (forwarded to it from other instances). */
export interface IncidentCommand {
  op: 'acknowledge' | 'resolve' | 'note'
  incidentId: string
  by: string
  /** The caller's resolved tenant (`''` for none). */
  tenantId: string
  /** The note or assignment of a `note`. */
  change?: Omit<IncidentNote, 'by'>
}
