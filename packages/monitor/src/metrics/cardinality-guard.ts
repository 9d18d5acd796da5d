import type { Counter } from 'prom-client'

/** The label value every label takes once a metric is over its series cap. */
export const OVERFLOW_LABEL_VALUE = '__other__'

/**
 * Caps the number of distinct label sets per metric. Once a metric holds `maxSeriesPerMetric`
 * label sets, every new one is folded into a single overflow series (all labels
 * `__other__`) and `opskit_monitor_cardinality_dropped_total{metric}` counts the fold.
 */
export interface CardinalityGuard {
  /** Returns `labels` when the set is known or fits under the cap, the overflow set otherwise. */
  admit<L extends Record<string, string>>(metric: string, key: string, labels: L): L
  /** Number of distinct label sets admitted for `metric`. */
  size(metric: string): number
}

/** Builds a {@link CardinalityGuard}; `dropped` counts folded label sets by metric name. */
export function createCardinalityGuard(
  maxSeriesPerMetric: number,
  dropped: Counter<'metric'>,
): CardinalityGuard {
  const seen = new Map<string, Set<string>>()
  return {
    admit(metric, key, labels) {
      let keys = seen.get(metric)
      if (!keys) {
        keys = new Set()
        seen.set(metric, keys)
      }
      if (keys.has(key)) return labels
      if (keys.size < maxSeriesPerMetric) {
        keys.add(key)
        return labels
      }
      dropped.inc({ metric })
      const overflow: Record<string, string> = {}
      for (const name of Object.keys(labels)) overflow[name] = OVERFLOW_LABEL_VALUE
      return overflow as typeof labels
    },
    size: (metric) => seen.get(metric)?.size ?? 0,
  }
}
