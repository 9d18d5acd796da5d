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
  const ranges = new Map<string, number>()
  const history = createSampleHistory()
  const alertSeries = createAlertSeriesWriter(history)
  const minimumRetention = Math.max(LOOKBACK_DELTA_MS, options.retentionMs ?? 0)
  const keepMs = (name: string) => Math.max(ranges.get(name) ?? 0, minimumRetention)
  const pendingRestore = new Map<string, AlertInstance[]>()
  const retained = new Map<string, number>()
  let last: { ts: number; byName: Map<string, Sample[]> } | undefined
  let archive: RecordingArchive | undefined
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
        if (writeAlertSeries) {
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
