import type { Clock } from '@opskit/core'
import type { RecordingArchive } from '../history/history-archive.js'
import type { HistoryAggregate, HistoryRange } from '../history/history-queries.js'
import type { Labels } from '../labels/labels.js'
import type { AlertInstance, PostableAlert } from './alert-types.js'
import type { Duration } from './duration.js'
import type { SelectorExpr } from './promql/ast.js'
import type { Value } from './promql/evaluate.js'
import type { RecordingRuleDefinition } from './recording-rules.js'
import type { TimedSample } from './sample-history.js'
import type { SampleSource } from './sample-source.js'

/** What to do when the expression's selectors match no series at all, or evaluation throws. */
export type NoDataMode = 'nodata' | 'alerting' | 'ok' | 'keepLast'
/** See {@link NoDataMode}; `error` raises a `DatasourceError` instance. */
export type ErrorMode = 'error' | 'alerting' | 'ok' | 'keepLast'

/** An alerting rule. */
export interface AlertRuleDefinition {
  /** Becomes the `alertname` label. */
  name: string
  /**
   * Identifies the rule in the engine (`removeRule`, `AlertInstance.rule`) when several rules share
   * one alert name, as Prometheus rule files allow. @default name
   */
  id?: string
  /** The condition: every series it returns is an active alert instance. */
  expr: string
  /** How long the condition must hold before firing (`pending` until then). @default 0 */
  for?: Duration
  /** How long a firing alert keeps firing after the condition stops holding. @default 0 */
  keepFiringFor?: Duration
  /** Added to every instance; values may use `{{labels.x}}` and `{{value}}`. */
  labels?: Record<string, string>
  /** Templated like labels. */
  annotations?: Record<string, string>
  /** @default 'ok' (Prometheus: no series means nothing is active) */
  onNoData?: NoDataMode
  /** @default 'error' (a `DatasourceError` instance goes through `for` and fires) */
  onError?: ErrorMode
  /** More active instances than this fails the evaluation (all instances dropped, rule in error). */
  limit?: number
}

/** Health of a rule after its last evaluation. */
export interface RuleStatus {
  name: string
  health: 'ok' | 'nodata' | 'error'
  stateReason?: string
  lastEvaluation?: number
  evaluationMs?: number
}

/** Options of the rule engine. */
export interface RuleEngineOptions {
  source: SampleSource
  clock: Clock
  /** Receives the alerts that need sending after each evaluation. */
  sink: (alerts: PostableAlert[]) => void | Promise<void>
  /** Minimum time between re-sends of a firing alert. @default 60_000 */
  resendDelayMs?: number
  /** How long resolved instances are retained (and re-sent). @default 900_000 */
  resolvedRetentionMs?: number
  /** External URL used as `generatorURL`. */
  externalUrl?: string
  /**
   * How long every metric's samples are kept, at least (ms before the latest evaluation); rules
   * keep what their ranges and offsets need, and every series its last 5 minutes (the lookback of
   * instant reads). `Infinity` keeps everything (replays, tests). @default 0
   */
  retentionMs?: number
}

/** The alert rule engine: Prometheus' state machine over samples, with NoData and Error states. */
export interface RuleEngine {
  addRule(rule: AlertRuleDefinition): void
  /**
   * Adds a recording rule: at each evaluation its result is stored as the series `record`, which
   * rules evaluated after it (in the order they were added) and later evaluations read.
   */
  addRecordingRule(rule: RecordingRuleDefinition): void
  /** Removes the alerting or recording rule with this id (or name). */
  removeRule(name: string): void
  evaluate(at?: number): Promise<PostableAlert[]>
  instances(): AlertInstance[]
  rules(): RuleStatus[]
  /** Restores instances (e.g. from a store) so that `for` progress survives a restart. */
  restore(instances: AlertInstance[]): void
  /** Sets the evaluation interval used for `validUntil` (= 4 × max(interval, resendDelay)). */
  setInterval(ms: number): void
  /**
   * Evaluates an expression at `at` (ms; default: the last evaluation's time) over the kept
   * samples, as Prometheus' instant query API does; nothing is collected. History is kept as
   * {@link RuleEngineOptions.retentionMs}, the rules and {@link RuleEngine.retain} say.
   */
  query(expr: string, options?: { at?: number }): Value
  /**
   * {@link RuleEngine.query} that also reaches past the in-memory history: recorded metrics are
   * read from the persisted history ({@link RuleEngine.useArchive}; each bucket's latest sample
   * beyond the raw window). Throws `MONITOR_HISTORY_UNAVAILABLE` (`details.availableFrom`) when
   * neither memory nor the archive holds what the expression reads.
   */
  queryHistory(expr: string, options?: { at?: number }): Promise<Value>
  /** Points of a plain selector over a range, from the archive for recorded metrics (Grafana). */
  rangeHistory(
    selector: SelectorExpr,
    from: number,
    to: number,
    aggregate: HistoryAggregate,
  ): Promise<HistoryRange>
  /** Hands recording rules' results to a persisted history and reads it for older times. */
  useArchive(archive: RecordingArchive | undefined): void
  /**
   * Adds samples with their own timestamps (backfill, replay, tests), read by later evaluations
   * and queries like collected ones; a sample with `stale: true` ends its series there.
   */
  append(samples: Iterable<TimedSample>): void
  /**
   * Points of an expression in `[from, to]`: the kept history for a plain selector, otherwise
   * the value at the last evaluation.
   */
  series(expr: string, from: number, to: number): Array<{ labels: Labels; points: Array<[number, number]> }>
  /** Metric names seen at the last evaluation. */
  metricNames(): string[]
  /** Label names seen at the last evaluation. */
  labelNames(): string[]
  /** Values of a label seen at the last evaluation. */
  labelValues(name: string): string[]
  /** Keeps `rangeMs` of history for a metric even if no rule needs it (SLA reports). */
  retain(metric: string, rangeMs: number): void
}
