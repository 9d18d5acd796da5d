/**
 * `@opskit/monitor`: metrics, tracing, health and alerting — what a host wires with
 * `createMonitor`. The alert engine's building blocks are in `@opskit/monitor/alerting`, test
 * helpers in `@opskit/monitor/testing`.
 * @packageDocumentation
 */

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
export type { CollectorErrorHandler } from './collectors/collector-errors.js'
export {
  type DiskCollectorOptions,
  type DiskSpace,
  readDiskSpace,
  registerDiskCollector,
} from './collectors/disk-collector.js'
export { registerHostCollector } from './collectors/host-collector.js'
export { POOL_METRICS, type PoolLike, registerPoolCollector } from './collectors/pool-collector.js'
export { HEAP_LIMIT_METRIC, registerRuntimeCollector } from './collectors/runtime-collector.js'
export {
  registerSqliteCollector,
  SQLITE_METRICS,
  type SqliteCollectorOptions,
} from './collectors/sqlite-collector.js'
export { MonitorError, type MonitorErrorCode } from './errors/monitor-error.js'
export type { Grafana, GrafanaSource } from './grafana/grafana-handler.js'
export { checks } from './health/built-in-checks.js'
export type { HealthCheck, HealthCheckResult, HealthKind, HealthStatus } from './health/health-check.js'
export type { Health, HealthCheckEntry, HealthCheckOptions, HealthReport } from './health/health-registry.js'
export type { ArchivedSeries, RecordingArchive } from './history/history-archive.js'
export type { MonitorHistoryOptions } from './history/history-options.js'
export type { HistoryAggregate, HistoryRange } from './history/history-queries.js'
export {
  type Incident,
  type IncidentEvent,
  type IncidentStats,
  type IncidentStatus,
  incidentStats,
} from './incidents/incident.js'
export type { IncidentNote } from './incidents/incident-manager.js'
export type { LabelMatcher, MatchOp } from './labels/label-matchers.js'
export type { Labels } from './labels/labels.js'
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
export type {
  EscalationPolicy,
  EvaluationLoop,
  IncidentCommand,
  TenantOption,
} from './monitor/alerts-types.js'
export { createMonitor, type Monitor, type MonitorOptions } from './monitor/create-monitor.js'
export type { MonitorRetentionKind, MonitorRetentionOptions } from './monitor/retention.js'
export type { Rules } from './monitor/runtime-rules.js'
export { type DefaultRule, defaultRules } from './pack/default-rules.js'
export { type DefaultRulePack, installDefaultRulePack, type RulePackTarget } from './pack/install.js'
export {
  DEFAULT_RULE_THRESHOLDS,
  type DefaultRuleName,
  type DefaultRulePackOptions,
  type DefaultRuleThresholds,
  type PromDuration,
} from './pack/pack-options.js'
export { DEFAULT_PACK_GROUP } from './pack/rule-file-text.js'
export type { AlertInstance, AlertState, PostableAlert } from './rules/alert-types.js'
export { type Duration, parseDuration } from './rules/duration.js'
export type {
  AggregationOp,
  BinaryOp,
  Expr,
  RangeFunction,
  SelectorExpr,
  VectorMatching,
} from './rules/promql/ast.js'
export type { Value as QueryValue, VectorElement } from './rules/promql/evaluate.js'
export { parseExpr } from './rules/promql/parser.js'
export type { RecordingRuleDefinition } from './rules/recording-rules.js'
export { createRuleEngine } from './rules/rule-engine.js'
export type {
  AlertRuleDefinition,
  ErrorMode,
  NoDataMode,
  RuleEngine,
  RuleEngineOptions,
  RuleStatus,
} from './rules/rule-engine-types.js'
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
export { renderTemplate } from './rules/templates.js'
export {
  BURN_RATE_PRESETS,
  type BurnRatePreset,
  burnRateThreshold,
  type SlaReport,
  type SloDefinition,
  type Slos,
} from './slo/slo.js'
export {
  type HistoryBucket,
  type HistoryCuts,
  type HistoryPoint,
  type HistorySegment,
  type HistoryStep,
  HOUR_MS,
  MINUTE_MS,
  type MonitorHistoryStore,
  type SloCountBucket,
  type SloCountRow,
} from './store/history-store.js'
export {
  createKyselyMonitorStore,
  type KyselyMonitorStoreOptions,
} from './store/kysely/kysely-monitor-store.js'
export { monitorMigrations } from './store/kysely/migrations.js'
export type {
  AlertRuleSpec,
  IncidentPurge,
  IncidentQuery,
  IncidentStore,
  MonitorStore,
  RecordingRuleSpec,
  RuleSpec,
  RuleStore,
  StateDocument,
  StateKind,
  StoredRule,
} from './store/monitor-store.js'
export { startTracing, type TracingHandle, type TracingOptions } from './tracing/start-tracing.js'
