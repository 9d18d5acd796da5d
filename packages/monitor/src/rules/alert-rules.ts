import { type Clock, parseInput } from '@opskit/core'
import { z } from 'zod'
import { MonitorError } from '../errors/monitor-error.js'
import { ALERTS_FOR_STATE_METRIC, ALERTS_METRIC, createAlertSeriesWriter } from './alert-series.js'
import type { AlertInstance, PostableAlert } from './alert-types.js'
import { type Duration, parseDuration } from './duration.js'
import type { Expr } from './expr-ast.js'
import { type EvalContext, evaluate, referencedMetrics, type Value, type VectorElement } from './expr-eval.js'
import { matches, parseExpr } from './expr-parser.js'
import { fingerprint, type Labels, labelsKey } from './labels.js'
import {
  type CompiledRecordingRule,
  compileRecordingRule,
  evaluateRecordingRule,
  type RecordingRuleDefinition,
} from './recording-rules.js'
import {
  createSampleHistory,
  LOOKBACK_DELTA_MS,
  parseTimedSample,
  type TimedSample,
} from './sample-history.js'
import type { Sample, SampleSource } from './sample-source.js'
import { applyRuleLabels, renderTemplate } from './templates.js'

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

interface CompiledRule {
  kind: 'alert'
  /** `def.id ?? def.name`. */
  key: string
  def: AlertRuleDefinition
  expr: Expr
  forMs: number
  keepFiringForMs: number
  instances: Map<string, AlertInstance>
  /** The state a pending instance is promoted to once its `for` has elapsed. */
  targets: Map<string, 'firing' | 'nodata' | 'error'>
  /** Fingerprints by label key, so unchanged series are not re-hashed each evaluation. */
  fingerprints: Map<string, string>
  /** Whether the rule's labels have no templates (final labels depend on the series only). */
  staticLabels: boolean
  /** Final labels and fingerprint per source label object (only with `staticLabels`). */
  labelCache: WeakMap<Labels, { labels: Labels; fingerprint: string }>
  /** The annotations when they have no templates (shared by every instance). */
  staticAnnotations?: Record<string, string>
  status: RuleStatus
}

const ruleSchema = z
  .object({
    name: z.string().min(1).max(1024),
    id: z.string().min(1).max(1024).optional(),
    expr: z.string().min(1).max(10_000),
    for: z.union([z.number().nonnegative(), z.string()]).optional(),
    keepFiringFor: z.union([z.number().nonnegative(), z.string()]).optional(),
    labels: z.record(z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/), z.string().max(1024)).optional(),
    annotations: z.record(z.string().min(1), z.string().max(10_000)).optional(),
    onNoData: z.enum(['nodata', 'alerting', 'ok', 'keepLast']).optional(),
    onError: z.enum(['error', 'alerting', 'ok', 'keepLast']).optional(),
    limit: z.number().int().positive().optional(),
  })
  .strict()

export { renderTemplate } from './templates.js'

interface PresentSeries {
  labels: Labels
  /** The labels of the expression's element: what `$labels` means in annotations, as in Prometheus. */
  source?: Labels
  /** Precomputed fingerprint of `labels`, when known. */
  fingerprint?: string
  value: number
  target: 'firing' | 'nodata' | 'error'
  reason?: string
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

/** Builds a {@link RuleEngine}. */
export function createRuleEngine(options: RuleEngineOptions): RuleEngine {
  const rules = new Map<string, CompiledRule>()
  const recordings = new Map<string, CompiledRecordingRule>()
  /** Both kinds, in the order they were added: the order of evaluation. */
  const order = new Map<string, CompiledRule | CompiledRecordingRule>()
  const resendDelay = options.resendDelayMs ?? 60_000
  const retention = options.resolvedRetentionMs ?? 900_000
  let intervalMs = 60_000
  const ranges = new Map<string, number>()
  const history = createSampleHistory()
  const alertSeries = createAlertSeriesWriter(history)
  const minimumRetention = Math.max(LOOKBACK_DELTA_MS, options.retentionMs ?? 0)
  const keepMs = (name: string) => Math.max(ranges.get(name) ?? 0, minimumRetention)
  const pendingRestore = new Map<string, AlertInstance[]>()

  const retained = new Map<string, number>()
  let last: { ts: number; byName: Map<string, Sample[]> } | undefined
  const isAlertSeries = (name: string) => name === ALERTS_METRIC || name === ALERTS_FOR_STATE_METRIC
  /** Whether ALERTS are written: a rule or `retain()` reads them, or all history is kept. */
  let writeAlertSeries = (options.retentionMs ?? 0) > 0
  const recomputeRanges = () => {
    ranges.clear()
    writeAlertSeries = (options.retentionMs ?? 0) > 0
    for (const [name, range] of retained) {
      ranges.set(name, range)
      if (isAlertSeries(name)) writeAlertSeries = true
    }
    for (const rule of order.values()) {
      for (const [name, range] of referencedMetrics(rule.expr)) {
        if (range > 0) ranges.set(name, Math.max(ranges.get(name) ?? 0, range))
        if (isAlertSeries(name)) writeAlertSeries = true
      }
    }
  }

  const finalLabels = (rule: CompiledRule, series: VectorElement): Labels => {
    const labels: Labels = { ...series.labels }
    if ('__name__' in labels) delete labels.__name__
    applyRuleLabels(labels, rule.def.labels, series.labels, series.value)
    labels.alertname = rule.def.name
    return labels
  }

  const annotationsFor = (rule: CompiledRule, labels: Labels, value: number) => {
    if (rule.staticAnnotations) return rule.staticAnnotations
    const out: Record<string, string> = {}
    for (const [k, v] of Object.entries(rule.def.annotations ?? {})) out[k] = renderTemplate(v, labels, value)
    return out
  }

  const step = (rule: CompiledRule, ts: number, present: PresentSeries[], absentReason?: string) => {
    const seen = new Set<string>()
    for (const series of present) {
      let fp = series.fingerprint
      if (fp === undefined) {
        const key = labelsKey(series.labels)
        fp = rule.fingerprints.get(key)
        if (fp === undefined) {
          fp = fingerprint(series.labels)
          if (rule.fingerprints.size > 10_000) rule.fingerprints.clear()
          rule.fingerprints.set(key, fp)
        }
      }
      seen.add(fp)
      const existing = rule.instances.get(fp)
      const annotations = annotationsFor(rule, series.source ?? {}, series.value)
      if (existing && existing.state !== 'inactive') {
        existing.value = series.value
        existing.annotations = annotations
        delete existing.keepFiringSince
        if (series.reason) existing.stateReason = series.reason
        else delete existing.stateReason
        continue
      }
      const instance: AlertInstance = {
        fingerprint: fp,
        rule: rule.key,
        labels: series.labels,
        annotations,
        state: 'pending',
        value: series.value,
        activeAt: ts,
        ...(series.reason ? { stateReason: series.reason } : {}),
      }
      rule.instances.set(fp, instance)
      rule.targets.set(fp, series.target)
    }
    for (const [fp, instance] of rule.instances) {
      if (seen.has(fp)) continue
      if (
        (instance.state === 'firing' || instance.state === 'nodata' || instance.state === 'error') &&
        rule.keepFiringForMs > 0
      ) {
        instance.keepFiringSince ??= ts
        if (ts - instance.keepFiringSince < rule.keepFiringForMs) {
          instance.stateReason = 'KeepFiring'
          continue
        }
      }
      if (instance.state === 'pending') {
        rule.instances.delete(fp)
        rule.targets.delete(fp)
        continue
      }
      if (instance.resolvedAt !== undefined && ts - instance.resolvedAt > retention) {
        rule.instances.delete(fp)
        rule.targets.delete(fp)
        continue
      }
      if (instance.state !== 'inactive') {
        instance.state = 'inactive'
        instance.resolvedAt = ts
        if (absentReason) instance.stateReason = absentReason
        else delete instance.stateReason
      }
    }
    for (const instance of rule.instances.values()) {
      if (instance.state === 'pending' && ts - instance.activeAt >= rule.forMs) {
        instance.state = rule.targets.get(instance.fingerprint) ?? 'firing'
        instance.firedAt = ts
      }
    }
  }

  const toSend = (rule: CompiledRule, ts: number): PostableAlert[] => {
    const out: PostableAlert[] = []
    for (const instance of rule.instances.values()) {
      if (instance.state === 'pending') continue
      const resolved = instance.state === 'inactive'
      const needs =
        (resolved &&
          instance.resolvedAt !== undefined &&
          (instance.lastSentAt === undefined || instance.resolvedAt > instance.lastSentAt)) ||
        instance.lastSentAt === undefined ||
        instance.lastSentAt + resendDelay < ts
      if (!needs) continue
      instance.lastSentAt = ts
      instance.validUntil = ts + 4 * Math.max(intervalMs, resendDelay)
      out.push({
        fingerprint: instance.fingerprint,
        labels: instance.labels,
        annotations: instance.annotations,
        startsAt: instance.activeAt,
        endsAt: resolved ? (instance.resolvedAt as number) : instance.validUntil,
        ...(options.externalUrl
          ? { generatorURL: `${options.externalUrl}#${encodeURIComponent(rule.def.name)}` }
          : {}),
      })
    }
    return out
  }

  const evaluateRule = (rule: CompiledRule, ts: number, ctx: EvalContext) => {
    const started = performance.now()
    const ruleLabels = (alertname: string, extra: Labels = {}): Labels => {
      const labels: Labels = { ...extra }
      applyRuleLabels(labels, rule.def.labels, {}, Number.NaN)
      labels.alertname = alertname
      return labels
    }
    let present: PresentSeries[] | undefined
    let failure: string | undefined
    ctx.sawSeries = false
    try {
      const value = evaluate(rule.expr, ctx)
      if (value.kind !== 'vector')
        throw new MonitorError(
          'MONITOR_EVALUATION_FAILED',
          'the expression returns a number, not a vector of series',
        )
      present = value.elements.map((e) => {
        if (!rule.staticLabels)
          return { labels: finalLabels(rule, e), source: e.labels, value: e.value, target: 'firing' as const }
        // rule labels without templates: the final labels and fingerprint depend only on the
        // series' label object, which sample sources keep between evaluations
        let cached = rule.labelCache.get(e.labels)
        if (!cached) {
          const labels = finalLabels(rule, e)
          cached = { labels, fingerprint: fingerprint(labels) }
          rule.labelCache.set(e.labels, cached)
        }
        return {
          labels: cached.labels,
          source: e.labels,
          fingerprint: cached.fingerprint,
          value: e.value,
          target: 'firing' as const,
        }
      })
      if (rule.def.limit !== undefined) {
        const active = new Set(present.map((p) => labelsKey(p.labels)))
        if (active.size > rule.def.limit)
          throw new MonitorError(
            'MONITOR_EVALUATION_FAILED',
            `exceeded limit of ${rule.def.limit} with ${active.size} alerts`,
          )
      }
    } catch (error) {
      failure = error instanceof Error ? error.message : String(error)
      present = undefined
    }
    rule.status.lastEvaluation = ts
    if (failure !== undefined) {
      rule.status.health = 'error'
      rule.status.stateReason = failure
      if (rule.def.limit !== undefined && failure.includes('limit')) {
        rule.instances.clear()
        rule.targets.clear()
      }
      const mode = rule.def.onError ?? 'error'
      if (mode === 'keepLast') {
        for (const i of rule.instances.values()) i.stateReason = 'Error'
      } else if (mode === 'ok') step(rule, ts, [], 'Error')
      else if (mode === 'alerting')
        step(rule, ts, [
          { labels: ruleLabels(rule.def.name), value: Number.NaN, target: 'firing', reason: 'Error' },
        ])
      else
        step(rule, ts, [
          {
            labels: ruleLabels('DatasourceError', { rulename: rule.def.name }),
            value: Number.NaN,
            target: 'error',
            reason: 'Error',
          },
        ])
    } else if (!ctx.sawSeries && (present?.length ?? 0) === 0) {
      rule.status.health = 'nodata'
      rule.status.stateReason = 'NoData'
      const mode = rule.def.onNoData ?? 'ok'
      if (mode === 'keepLast') {
        for (const i of rule.instances.values()) i.stateReason = 'NoData'
      } else if (mode === 'ok') step(rule, ts, [], 'NoData')
      else if (mode === 'alerting')
        step(rule, ts, [
          { labels: ruleLabels(rule.def.name), value: Number.NaN, target: 'firing', reason: 'NoData' },
        ])
      else
        step(rule, ts, [
          {
            labels: ruleLabels('DatasourceNoData', { rulename: rule.def.name }),
            value: Number.NaN,
            target: 'nodata',
            reason: 'NoData',
          },
        ])
    } else {
      rule.status.health = 'ok'
      delete rule.status.stateReason
      step(rule, ts, present ?? [])
    }
    rule.status.evaluationMs = performance.now() - started
  }

  /** The evaluation context at `ts`; `instants` memoises instant reads within one evaluation. */
  const contextAt = (ts: number, instants = new Map<string, Sample[]>()): EvalContext => ({
    at: ts,
    sawSeries: false,
    current: (name, offsetMs = 0) => {
      if (offsetMs !== 0) return history.instant(name, ts - offsetMs)
      let list = instants.get(name)
      if (!list) {
        list = history.instant(name, ts)
        instants.set(name, list)
      }
      return list
    },
    range: (name, rangeMs, offsetMs = 0) => history.range(name, ts - offsetMs - rangeMs, ts - offsetMs),
  })

  return {
    query(source, queryOptions) {
      const expr = parseExpr(source)
      return evaluate(expr, contextAt(queryOptions?.at ?? last?.ts ?? options.clock.now()))
    },
    append(samples) {
      for (const sample of samples) history.append(parseTimedSample(sample))
    },
    series(source, from, to) {
      const expr = parseExpr(source)
      if (expr.type === 'selector') {
        const out: Array<{ labels: Labels; points: Array<[number, number]> }> = []
        for (const entry of history.range(expr.name, from - 1, to))
          if (expr.matchers.every((m) => matches(m, entry.labels))) out.push(entry)
        return out
      }
      if (!last || last.ts < from || last.ts > to) return []
      const value = evaluate(expr, contextAt(last.ts))
      const at = last.ts
      if (value.kind === 'scalar') return [{ labels: {}, points: [[at, value.value]] }]
      return value.elements.map((e) => ({ labels: e.labels, points: [[at, e.value]] }))
    },
    metricNames: () => (last ? [...last.byName.keys()].sort() : []),
    labelValues(name) {
      const values = new Set<string>()
      for (const list of last?.byName.values() ?? [])
        for (const s of list) if (s.labels[name] !== undefined) values.add(s.labels[name] as string)
      return [...values].sort()
    },
    labelNames() {
      const names = new Set<string>()
      for (const list of last?.byName.values() ?? [])
        for (const s of list) for (const k of Object.keys(s.labels)) names.add(k)
      return [...names].sort()
    },
    retain(name, rangeMs) {
      retained.set(name, Math.max(retained.get(name) ?? 0, rangeMs))
      recomputeRanges()
    },
    addRule(input) {
      const def = parseInput(
        ruleSchema,
        input,
        (message, issues) =>
          new MonitorError('MONITOR_INVALID_RULE', `invalid alert rule: ${message}`, { details: { issues } }),
      ) as AlertRuleDefinition
      const expr = parseExpr(def.expr)
      const key = def.id ?? def.name
      const compiled: CompiledRule = {
        kind: 'alert',
        key,
        def,
        expr,
        forMs: parseDuration(def.for ?? 0, 'for', 'MONITOR_INVALID_RULE'),
        keepFiringForMs: parseDuration(def.keepFiringFor ?? 0, 'keepFiringFor', 'MONITOR_INVALID_RULE'),
        instances: new Map(),
        targets: new Map(),
        fingerprints: new Map(),
        staticLabels: Object.values(def.labels ?? {}).every((v) => !v.includes('{{')),
        labelCache: new WeakMap(),
        ...(Object.values(def.annotations ?? {}).every((v) => !v.includes('{{'))
          ? { staticAnnotations: Object.freeze({ ...(def.annotations ?? {}) }) as Record<string, string> }
          : {}),
        status: { name: def.name, health: 'ok' },
      }
      for (const instance of pendingRestore.get(key) ?? [])
        compiled.instances.set(instance.fingerprint, instance)
      pendingRestore.delete(key)
      const previous = rules.get(key)
      if (previous) {
        for (const [fp, instance] of previous.instances) compiled.instances.set(fp, instance)
        for (const [fp, target] of previous.targets) compiled.targets.set(fp, target)
      }
      rules.set(key, compiled)
      order.delete(`alert\u0000${key}`)
      order.set(`alert\u0000${key}`, compiled)
      recomputeRanges()
    },
    addRecordingRule(input) {
      const compiled = compileRecordingRule(input)
      recordings.set(compiled.key, compiled)
      order.delete(`record\u0000${compiled.key}`)
      order.set(`record\u0000${compiled.key}`, compiled)
      recomputeRanges()
    },
    removeRule(name) {
      rules.delete(name)
      alertSeries.forget(name)
      recordings.delete(name)
      order.delete(`alert\u0000${name}`)
      order.delete(`record\u0000${name}`)
      recomputeRanges()
    },
    async evaluate(at) {
      const ts = at ?? options.clock.now()
      const samples = await options.source.collect()
      const byName = new Map<string, Sample[]>()
      for (const s of samples) {
        let list = byName.get(s.name)
        if (!list) {
          list = []
          byName.set(s.name, list)
        }
        list.push(s)
      }
      history.appendCollection(ts, byName)
      history.prune(ts, keepMs)
      last = { ts, byName }
      const instants = new Map<string, Sample[]>()
      const ctx = contextAt(ts, instants)
      const alerts: PostableAlert[] = []
      for (const rule of order.values()) {
        if (rule.kind === 'record') {
          evaluateRecordingRule(rule, ctx, history)
          instants.delete(rule.def.record)
          continue
        }
        evaluateRule(rule, ts, ctx)
        if (writeAlertSeries) {
          alertSeries.write(rule.key, rule.instances.values(), ts)
          instants.delete(ALERTS_METRIC)
          instants.delete(ALERTS_FOR_STATE_METRIC)
        }
        alerts.push(...toSend(rule, ts))
      }
      if (alerts.length > 0) await options.sink(alerts)
      return alerts
    },
    instances() {
      const out: AlertInstance[] = []
      for (const rule of rules.values()) for (const i of rule.instances.values()) out.push({ ...i })
      return out
    },
    rules: () => [...order.values()].map((r) => ({ ...r.status })),
    restore(instances) {
      for (const instance of instances) {
        const rule = rules.get(instance.rule)
        if (rule) rule.instances.set(instance.fingerprint, instance)
        else {
          const list = pendingRestore.get(instance.rule) ?? []
          list.push(instance)
          pendingRestore.set(instance.rule, list)
        }
      }
    },
    setInterval(ms) {
      intervalMs = ms
    },
  }
}
