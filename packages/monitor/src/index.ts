/**
 * `@opskit/monitor`: metrics, tracing, health and alerting.
 * @packageDocumentation
 */

export {
  createDispatcher,
  type Dispatcher,
  type DispatcherMetrics,
  type DispatcherOptions,
  decideNotification,
  type EscalationLevel,
  type GroupSnapshot,
  type NotificationLogEntry,
} from './alerting/dispatcher.js'
export { createInhibitor, type Inhibitor, type InhibitRuleInput } from './alerting/inhibition.js'
export { type MatcherInput, parseMatcher } from './alerting/matchers.js'
export { compileRoutes, matchRoutes, type RouteConfig, type RouteNode } from './alerting/routing.js'
export {
  createSilences,
  type Silence,
  type SilenceInput,
  type SilenceState,
  type Silences,
} from './alerting/silences.js'
export {
  compileTimeIntervals,
  type TimeIntervalSpec,
  type TimeIntervalTest,
} from './alerting/time-intervals.js'
export type {
  AlertChannel,
  AlertNotification,
  NotifiedAlert,
  NotifyReason,
} from './channels/alert-channel.js'
export type { OutboundChannelOptions } from './channels/http-post.js'
export {
  createNotifierChannel,
  type NotifierChannelOptions,
  type NotifierLike,
} from './channels/notifier-channel.js'
export {
  createPagerDutyChannel,
  type PagerDutyChannelOptions,
  pagerDutyDedupKey,
} from './channels/pagerduty-channel.js'
export { createSlackChannel, escapeSlackText, type SlackChannelOptions } from './channels/slack-channel.js'
export {
  type AlertmanagerWebhookPayload,
  alertmanagerPayload,
  createWebhookChannel,
  type WebhookChannelOptions,
} from './channels/webhook-channel.js'
export { MonitorError, type MonitorErrorCode } from './errors/monitor-error.js'
export type { Grafana, GrafanaSource } from './grafana/grafana-handler.js'
export { checks } from './health/built-in-checks.js'
export type { HealthCheck, HealthCheckResult, HealthKind, HealthStatus } from './health/health-check.js'
export type { Health, HealthCheckEntry, HealthCheckOptions, HealthReport } from './health/health-registry.js'
export {
  type Incident,
  type IncidentEvent,
  type IncidentStats,
  type IncidentStatus,
  incidentStats,
} from './incidents/incident.js'
export { hashPassword } from './metrics/basic-auth.js'
export type {
  BusinessCounter,
  BusinessGauge,
  BusinessHistogram,
  BusinessMetrics,
  MetricDefinition,
} from './metrics/business-metrics.js'
export { OVERFLOW_LABEL_VALUE } from './metrics/cardinality-guard.js'
export {
  type ConnectMiddleware,
  type FastifyLike,
  type FastifyPluginLike,
  type FastifyReplyLike,
  type FastifyRequestLike,
  HTTP_DURATION_BUCKETS,
  type HttpInstrumentation,
  type HttpInstrumentOptions,
  type RequestListener,
} from './metrics/http-metrics.js'
export {
  type AccessGuard,
  createAccessGuard,
  type MetricsHandler,
  type MetricsHandlerOptions,
} from './metrics/metrics-handler.js'
export type { MetricsRegistry } from './metrics/register.js'
export { UNMATCHED_ROUTE } from './metrics/route-matcher.js'
export type { Alerts, AlertsState, Incidents } from './monitor/alerts-api.js'
export { createMonitor, type Monitor, type MonitorConfig } from './monitor/create-monitor.js'
export {
  type AlertRuleDefinition,
  createRuleEngine,
  type ErrorMode,
  type NoDataMode,
  type RuleEngine,
  type RuleEngineOptions,
  type RuleStatus,
  renderTemplate,
} from './rules/alert-rules.js'
export type { AlertInstance, AlertState, PostableAlert } from './rules/alert-types.js'
export { type Duration, parseDuration } from './rules/duration.js'
export type {
  AggregationOp,
  BinaryOp,
  Expr,
  LabelMatcher,
  MatchOp,
  RangeFunction,
  VectorMatching,
} from './rules/expr-ast.js'
export type { Value as QueryValue, VectorElement } from './rules/expr-eval.js'
export { parseExpr } from './rules/expr-parser.js'
export { fingerprint, type Labels } from './rules/labels.js'
export type { RecordingRuleDefinition } from './rules/recording-rules.js'
export {
  addRuleGroups,
  loadRules,
  loadRulesFile,
  type RuleFileProblem,
  type RuleGroup,
} from './rules/rule-file.js'
export { LOOKBACK_DELTA_MS, type TimedSample } from './rules/sample-history.js'
export {
  createPushSampleSource,
  type PushSampleSource,
  registrySampleSource,
  type Sample,
  type SampleSource,
} from './rules/sample-source.js'
export {
  BURN_RATE_PRESETS,
  type BurnRatePreset,
  burnRateThreshold,
  type SlaReport,
  type SloDefinition,
  type Slos,
} from './slo/slo.js'
export { createKyselyMonitorStore, type KyselyMonitorStoreOptions } from './store/kysely-monitor-store.js'
export { createAdvisoryLockElector, type LeaderElector, soloLeader } from './store/leader-election.js'
export { createMemoryMonitorStore } from './store/memory-monitor-store.js'
export { monitorMigrations } from './store/migrations.js'
export type { MonitorStore, StateDocument, StateKind } from './store/monitor-store.js'
export { startTracing, type TracingHandle, type TracingOptions } from './tracing/start-tracing.js'
