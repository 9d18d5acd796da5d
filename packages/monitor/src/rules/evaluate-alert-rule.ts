import { MonitorError } from '../errors/monitor-error.js'
import { fingerprint, type Labels, labelsKey } from '../labels/labels.js'
import type { CompiledRule, PendingTarget, PresentSeries } from './alert-rule.js'
import { type AlertStateContext, stepAlertRule } from './alert-state.js'
import { type EvalContext, evaluate, type VectorElement } from './promql/evaluate.js'
import { applyRuleLabels } from './templates.js'

function finalLabels(rule: CompiledRule, series: VectorElement): Labels {
  const labels: Labels = { ...series.labels }
  if ('__name__' in labels) delete labels.__name__
  applyRuleLabels(labels, rule.def.labels, series.labels, series.value)
  labels.alertname = rule.def.name
  return labels
}

/** The labels of a rule's own instance (no data, errors): its labels, `alertname` and `extra`. */
function ruleLabels(rule: CompiledRule, alertname: string, extra: Labels = {}): Labels {
  const labels: Labels = { ...extra }
  applyRuleLabels(labels, rule.def.labels, {}, Number.NaN)
  labels.alertname = alertname
  return labels
}

function presentOf(rule: CompiledRule, e: VectorElement): PresentSeries {
  if (!rule.staticLabels)
    return { labels: finalLabels(rule, e), source: e.labels, value: e.value, target: 'firing' }
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
    target: 'firing',
  }
}

/** The series the rule's expression returns, as present series; throws when it fails or exceeds `limit`. */
function presentSeries(rule: CompiledRule, ctx: EvalContext): PresentSeries[] {
  const value = evaluate(rule.expr, ctx)
  if (value.kind !== 'vector')
    throw new MonitorError(
      'MONITOR_EVALUATION_FAILED',
      'the expression returns a number, not a vector of series',
    )
  const present = value.elements.map((e) => presentOf(rule, e))
  if (rule.def.limit !== undefined) {
    const active = new Set(present.map((p) => labelsKey(p.labels)))
    if (active.size > rule.def.limit)
      throw new MonitorError(
        'MONITOR_EVALUATION_FAILED',
        `exceeded limit of ${rule.def.limit} with ${active.size} alerts`,
      )
  }
  return present
}

/**
 * What the rule does when its expression failed (`reason` Error) or found no series at all
 * (`reason` NoData), as its `onError` / `onNoData` mode says.
 */
function stepWithoutSeries(
  rule: CompiledRule,
  ts: number,
  context: AlertStateContext,
  reason: 'Error' | 'NoData',
): void {
  const mode = reason === 'Error' ? (rule.def.onError ?? 'error') : (rule.def.onNoData ?? 'ok')
  if (mode === 'keepLast') {
    for (const i of rule.instances.values()) i.stateReason = reason
    return
  }
  if (mode === 'ok') {
    stepAlertRule(rule, ts, [], context, reason)
    return
  }
  if (mode === 'alerting') {
    const labels = ruleLabels(rule, rule.def.name)
    stepAlertRule(rule, ts, [{ labels, value: Number.NaN, target: 'firing', reason }], context)
    return
  }
  const alertname = reason === 'Error' ? 'DatasourceError' : 'DatasourceNoData'
  const target: PendingTarget = reason === 'Error' ? 'error' : 'nodata'
  const labels = ruleLabels(rule, alertname, { rulename: rule.def.name })
  stepAlertRule(rule, ts, [{ labels, value: Number.NaN, target, reason }], context)
}

/** Evaluates one alerting rule at `ts` and steps its instances; records its health. */
export function evaluateAlertRule(
  rule: CompiledRule,
  ts: number,
  ctx: EvalContext,
  context: AlertStateContext,
): void {
  const started = performance.now()
  let present: PresentSeries[] | undefined
  let failure: string | undefined
  ctx.sawSeries = false
  try {
    present = presentSeries(rule, ctx)
  } catch (error) {
    failure = error instanceof Error ? error.message : String(error)
  }
  rule.status.lastEvaluation = ts
  if (failure !== undefined) {
    rule.status.health = 'error'
    rule.status.stateReason = failure
    if (rule.def.limit !== undefined && failure.includes('limit')) {
      rule.instances.clear()
      rule.targets.clear()
    }
    stepWithoutSeries(rule, ts, context, 'Error')
  } else if (!ctx.sawSeries && (present?.length ?? 0) === 0) {
    rule.status.health = 'nodata'
    rule.status.stateReason = 'NoData'
    stepWithoutSeries(rule, ts, context, 'NoData')
  } else {
    rule.status.health = 'ok'
    delete rule.status.stateReason
    stepAlertRule(rule, ts, present ?? [], context)
  }
  rule.status.evaluationMs = performance.now() - started
}
