/**
 * `@opskit/monitor/alerting`: Alertmanager's building blocks, for hosts that assemble their own
 * pipeline instead of using `createMonitor().alerts` — the dispatcher (aggregation groups and
 * the incidents of its groups), inhibitor, silences, route tree, time intervals, notification
 * log — and the leader election that picks the evaluating instance.
 * @packageDocumentation
 */

export type { EscalationLevel } from '../incidents/escalation.js'
export type { IncidentManager, IncidentNote, IncidentOptions } from '../incidents/incident-manager.js'
export { fingerprint } from '../labels/labels.js'
export { createAdvisoryLockElector, type LeaderElector, soloLeader } from '../store/kysely/leader-election.js'
export { createLeaseElector } from '../store/kysely/lease-elector.js'
export type { GroupSnapshot } from './aggregation-group.js'
export type { DispatcherMetrics } from './dispatch-context.js'
export { createDispatcher, type Dispatcher, type DispatcherOptions } from './dispatcher.js'
export { createInhibitor, type Inhibitor, type InhibitRuleInput } from './inhibition.js'
export { type MatcherInput, parseMatcher } from './matchers.js'
export { decideNotification, type NotificationLogEntry } from './notification-log.js'
export { compileRoutes, matchRoutes, type RouteConfig, type RouteNode } from './routing.js'
export {
  createSilences,
  type Silence,
  type SilenceInput,
  type SilenceState,
  type Silences,
} from './silences.js'
export { compileTimeIntervals, type TimeIntervalSpec, type TimeIntervalTest } from './time-intervals.js'
