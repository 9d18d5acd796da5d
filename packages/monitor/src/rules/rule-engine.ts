import type { RecordingArchive } from '../history/history-archive.js'
import { type CompiledRule, compileAlertRule } from './alert-rule.js'
import { ALERTS_FOR_STATE_METRIC, ALERTS_METRIC, createAlertSeriesWriter } from './alert-series.js'
import { type AlertStateContext, alertsToSend } from './alert-state.js'
import type { AlertInstance, PostableAlert } from './alert-types.js'
import { createEngineQueries, evalContextAt } from './engine-queries.js'
import { evaluateAlertRule } from './evaluate-alert-rule.js'
import { referencedMetrics } from './promql/referenced-metrics.js'
import { type CompiledRecordingRule, compileRecordingRule, evaluateRecordingRule } from './recording-rules.js'
import type { RuleEngine, RuleEngineOptions } from './rule-engine-types.js'
import { createSampleHistory, LOOKBACK_DELTA_MS, parseTimedSample } from './sample-history.js'
import type { Sample } from './sample-source.js'

const isAlertSeries = (name: string) => name === ALERTS_METRIC || name === ALERTS_FOR_STATE_METRIC

/** Groups collected samples by metric name. */
function byMetricName(samples: readonly Sample[]): Map<string, Sample[]> {
  const byName = new Map<string, Sample[]>()
  for (const s of samples) {
    let list = byName.get(s.name)
    if (!list) {
      list = []
      byName.set(s.name, list)
    }
    list.push(s)
  }
  return byName
}

/** The history each metric needs kept, and whether the ALERTS series must be written. */
interface MetricRanges {
  ranges: Map<string, number>
  /** Whether ALERTS are written: a rule or `retain()` reads them, or all history is kept. */
  writeAlertSeries: boolean
}

/**
 * The longest range each metric is read over, by the rules (`rules`) or by `retain()`
 * (`retained`); `keepAll` (a retention is configured) writes the ALERTS series regardless.
 */
function metricRanges(
  retained: ReadonlyMap<string, number>,
  rules: Iterable<CompiledRule | CompiledRecordingRule>,
  keepAll: boolean,
): MetricRanges {
  const ranges = new Map<string, number>()
  let writeAlertSeries = keepAll
  for (const [name, range] of retained) {
    ranges.set(name, range)
    if (isAlertSeries(name)) writeAlertSeries = true
  }
  for (const rule of rules) {
    for (const [name, range] of referencedMetrics(rule.expr)) {
      if (range > 0) ranges.set(name, Math.max(ranges.get(name) ?? 0, range))
      if (isAlertSeries(name)) writeAlertSeries = true
    }
  }
  return { ranges, writeAlertSeries }
}

/**
 * Gives a newly compiled rule the instances restored for it before it existed and the
 * instances and targets of the rule it replaces.
 */
function inheritState(
  compiled: CompiledRule,
  restored: readonly AlertInstance[],
  previous: CompiledRule | undefined,
): void {
  for (const instance of restored) compiled.instances.set(instance.fingerprint, instance)
  if (previous) {
    for (const [fp, instance] of previous.instances) compiled.instances.set(fp, instance)
    for (const [fp, target] of previous.targets) compiled.targets.set(fp, target)
  }
}

/** Builds a {@link RuleEngine}. */
export function createRuleEngine(options: RuleEngineOptions): RuleEngine {
  const rules = new Map<string, CompiledRule>()
  const recordings = new Map<string, CompiledRecordingRule>()
  /** Both kinds, in the order they were added: the order of evaluation. */
  const order = new Map<string, CompiledRule | CompiledRecordingRule>()
  const state: AlertStateContext = {
    resendDelayMs: options.resendDelayMs ?? 60_000,
    resolvedRetentionMs: options.resolvedRetentionMs ?? 900_000,
    intervalMs: 60_000,
    externalUrl: options.externalUrl,
  }
  const history = createSampleHistory()
  const alertSeries = createAlertSeriesWriter(history)
  const minimumRetention = Math.max(LOOKBACK_DELTA_MS, options.retentionMs ?? 0)
  const pendingRestore = new Map<string, AlertInstance[]>()
  const retained = new Map<string, number>()
  let last: { ts: number; byName: Map<string, Sample[]> } | undefined
  let archive: RecordingArchive | undefined
  let needed = metricRanges(retained, [], (options.retentionMs ?? 0) > 0)
  const keepMs = (name: string) => Math.max(needed.ranges.get(name) ?? 0, minimumRetention)
  const recomputeRanges = () => {
    needed = metricRanges(retained, order.values(), (options.retentionMs ?? 0) > 0)
  }

  const contextAt = (ts: number, instants?: Map<string, Sample[]>) => evalContextAt(history, ts, instants)

  return {
    ...createEngineQueries({
      history,
      clock: options.clock,
      last: () => last,
      archive: () => archive,
      recorded: (name) => [...recordings.values()].some((r) => r.def.record === name),
    }),
    useArchive(to) {
      archive = to
    },
    append(samples) {
      for (const sample of samples) history.append(parseTimedSample(sample))
    },
    retain(name, rangeMs) {
      retained.set(name, Math.max(retained.get(name) ?? 0, rangeMs))
      recomputeRanges()
    },
    addRule(input) {
      const compiled = compileAlertRule(input)
      const { key } = compiled
      inheritState(compiled, pendingRestore.get(key) ?? [], rules.get(key))
      pendingRestore.delete(key)
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
      const byName = byMetricName(await options.source.collect())
      history.appendCollection(ts, byName)
      history.prune(ts, keepMs)
      last = { ts, byName }
      const instants = new Map<string, Sample[]>()
      const ctx = contextAt(ts, instants)
      const alerts: PostableAlert[] = []
      for (const rule of order.values()) {
        if (rule.kind === 'record') {
          evaluateRecordingRule(rule, ctx, history, archive)
          instants.delete(rule.def.record)
          continue
        }
        evaluateAlertRule(rule, ts, ctx, state)
        if (needed.writeAlertSeries) {
          alertSeries.write(rule.key, rule.instances.values(), ts)
          instants.delete(ALERTS_METRIC)
          instants.delete(ALERTS_FOR_STATE_METRIC)
        }
        alerts.push(...alertsToSend(rule, ts, state))
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
      state.intervalMs = ms
    },
  }
}
