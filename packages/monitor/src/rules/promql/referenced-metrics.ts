import type { Expr, SelectorExpr } from './ast.js'

/** How far back an instant read looks for a series' latest sample (Prometheus' lookback delta). */
const LOOKBACK_MS = 5 * 60_000

/** How much history a selector reads: its range, pushed back by its offset (instant reads look back 5 m). */
function historyNeeded(selector: SelectorExpr): number {
  if (!selector.offsetMs) return selector.rangeMs ?? 0
  return (selector.rangeMs ?? LOOKBACK_MS) + selector.offsetMs
}

/** Metric names a parsed expression reads, and the longest range (ms) each needs, 0 for instant reads. */
export function referencedMetrics(expr: Expr, into = new Map<string, number>()): Map<string, number> {
  switch (expr.type) {
    case 'selector':
      into.set(expr.name, Math.max(into.get(expr.name) ?? 0, historyNeeded(expr)))
      break
    case 'range-fn':
    case 'absent':
    case 'predict-linear':
      into.set(expr.selector.name, Math.max(into.get(expr.selector.name) ?? 0, historyNeeded(expr.selector)))
      break
    case 'aggregation':
      if (expr.param) referencedMetrics(expr.param, into)
      referencedMetrics(expr.expr, into)
      break
    case 'quantile':
    case 'neg':
      referencedMetrics(expr.expr, into)
      break
    case 'binary':
      referencedMetrics(expr.left, into)
      referencedMetrics(expr.right, into)
      break
    case 'number':
      break
  }
  return into
}
