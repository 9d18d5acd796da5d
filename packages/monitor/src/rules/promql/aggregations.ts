import { type Labels, labelsKey } from '../../labels/labels.js'
import type { AggregationOp } from './ast.js'
import { KahanMean, KahanSum } from './kahan.js'

/** One element of an instant vector. */
export interface VectorElement {
  labels: Labels
  value: number
  /**
   * The metric name (Prometheus' `__name__` label), kept apart from `labels`: set by selectors
   * and `last_over_time`, kept by filtering comparisons, set operations and `topk`/`bottomk`,
   * dropped by functions, arithmetic, `bool` comparisons and aggregations, as in Prometheus.
   */
  name?: string
}

/** What an aggregation groups by: the `by` labels, or all labels but the `without` ones. */
export interface Grouping {
  by?: readonly string[]
  without?: readonly string[]
}

/** Sorts numbers ascending with `NaN` first, as Prometheus' `vectorByValueHeap`. */
function ascendingNaNFirst(a: number, b: number): number {
  if (Number.isNaN(a)) return Number.isNaN(b) ? 0 : -1
  if (Number.isNaN(b)) return 1
  return a - b
}

/** The φ-quantile of `values`, interpolating between ranks as Prometheus' `quantile` aggregation. */
function quantileOf(q: number, values: number[]): number {
  if (values.length === 0 || Number.isNaN(q)) return Number.NaN
  if (q < 0) return Number.NEGATIVE_INFINITY
  if (q > 1) return Number.POSITIVE_INFINITY
  const sorted = [...values].sort(ascendingNaNFirst)
  const n = sorted.length
  const rank = q * (n - 1)
  const lower = Math.max(0, Math.floor(rank))
  const upper = Math.min(n - 1, lower + 1)
  const weight = rank - Math.floor(rank)
  return (sorted[lower] as number) * (1 - weight) + (sorted[upper] as number) * weight
}

/**
 * One group's value, as Prometheus 3 computes it: compensated sums for `sum` and `avg`,
 * Welford's running variance for `stddev`/`stdvar`, and `min`/`max` that ignore `NaN` unless
 * every input is `NaN`.
 */
function aggregate(op: AggregationOp, values: number[], param: number | undefined): number {
  const first = values[0] as number
  switch (op) {
    case 'sum': {
      const sum = new KahanSum(first)
      for (let i = 1; i < values.length; i++) sum.add(values[i] as number)
      return sum.value()
    }
    case 'avg': {
      const mean = new KahanMean(first)
      for (let i = 1; i < values.length; i++) mean.add(values[i] as number)
      return mean.value()
    }
    case 'min':
    case 'max': {
      let best = first
      for (const v of values) if ((op === 'max' ? best < v : best > v) || Number.isNaN(best)) best = v
      return best
    }
    case 'count':
      return values.length
    case 'group':
      return 1
    case 'stddev':
    case 'stdvar': {
      let mean = first
      let m2 = Number.isFinite(first) ? 0 : Number.NaN
      for (let i = 1; i < values.length; i++) {
        const v = values[i] as number
        const delta = v - mean
        mean += delta / (i + 1)
        m2 += delta * (v - mean)
      }
      const variance = m2 / values.length
      return op === 'stdvar' ? variance : Math.sqrt(variance)
    }
    default:
      return quantileOf(param as number, values)
  }
}

/**
 * `topk`/`bottomk` of one group: its k largest (smallest) elements with their own labels; `NaN`
 * ranks last either way, and ties keep the earlier element (Prometheus' heap).
 */
function selectK(op: 'topk' | 'bottomk', elements: VectorElement[], k: number): VectorElement[] {
  if (!(k >= 1)) return []
  const sign = op === 'topk' ? -1 : 1
  const ranked = elements
    .map((e, index) => ({ e, index }))
    .sort((a, b) => {
      const x = a.e.value
      const y = b.e.value
      if (Number.isNaN(x) || Number.isNaN(y))
        return Number(Number.isNaN(x)) - Number(Number.isNaN(y)) || a.index - b.index
      return sign * (x - y) || a.index - b.index
    })
  return ranked.slice(0, Math.min(Math.trunc(k), elements.length)).map((r) => r.e)
}

/** Aggregations whose result depends on the order of their inputs (rounding, ties). */
const ORDER_SENSITIVE = new Set<AggregationOp>(['stddev', 'stdvar', 'topk', 'bottomk'])

/** Orders elements as Prometheus' storage returns series: by label set. */
function byLabels(a: VectorElement, b: VectorElement): number {
  const x = labelsKey(a.labels)
  const y = labelsKey(b.labels)
  return x < y ? -1 : x > y ? 1 : 0
}

/** The labels of an element's group. */
function groupLabels(labels: Labels, grouping: Grouping): Labels {
  const out: Labels = {}
  if (grouping.by) {
    for (const name of grouping.by) if (labels[name] !== undefined) out[name] = labels[name] as string
  } else if (grouping.without) {
    for (const name in labels) if (!grouping.without.includes(name)) out[name] = labels[name] as string
  }
  return out
}

/** Applies an aggregation operator to a vector, group by group. */
export function aggregateVector(
  op: AggregationOp,
  elements: readonly VectorElement[],
  grouping: Grouping,
  param: number | undefined,
): VectorElement[] {
  const groups = new Map<string, { labels: Labels; elements: VectorElement[] }>()
  for (const e of elements) {
    const labels = groupLabels(e.labels, grouping)
    const key = labelsKey(labels)
    let group = groups.get(key)
    if (!group) {
      group = { labels, elements: [] }
      groups.set(key, group)
    }
    group.elements.push(e)
  }
  const out: VectorElement[] = []
  for (const g of groups.values()) {
    // Prometheus reads series in label order; the results of these depend on the order
    if (ORDER_SENSITIVE.has(op)) g.elements.sort(byLabels)
    if (op === 'topk' || op === 'bottomk') out.push(...selectK(op, g.elements, param as number))
    else
      out.push({
        labels: g.labels,
        value: aggregate(
          op,
          g.elements.map((e) => e.value),
          param,
        ),
      })
  }
  return out
}
