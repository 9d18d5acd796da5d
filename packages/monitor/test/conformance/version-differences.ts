/**
 * The documented differences between Prometheus 2.42 (the promtool on the machine) and
 * Prometheus 3.x (what opskit follows), accounted for precisely rather than by loosening
 * comparisons:
 *
 * 1. Range windows are left-open since 3.0. At evaluation times where a window could start on a
 *    sample, both engines are asked the same expression with every range shortened by 1 ms, so
 *    that the sample sets and window edges agree; elsewhere the original expression is asked.
 * 2. The counter zero clamp of `rate`/`increase` extrapolation moved after the threshold test
 *    (prometheus/prometheus#13725). The two differ only for a series whose first sample in the
 *    window lies at least 1.1 average intervals from the window's start and whose extrapolated
 *    zero lies between half an interval and 1.1 intervals before that sample; such cases are
 *    found from the input data and listed as explained.
 * 3. Since 3.9 (prometheus/prometheus 4cad87cae8) one-to-one matching is checked before a
 *    comparison filters; an opskit matching error where 2.42 answers is explained exactly when
 *    2.42 fails the same expression with `bool` (every pair kept).
 */
import { durationMs } from '../helpers/promtool-replay.js'
import type { Scenario } from './promql-scenarios.js'

/** `expr` with every `[range]` shortened by 1 ms (`[5m]` → `[299999ms]`). */
export function shortenRanges(expr: string): string {
  return expr.replace(/\[([0-9a-z]+)\]/g, (_m, range: string) => `[${durationMs(range, 0) - 1}ms]`)
}

/** `expr` with `bool` after its vector comparisons that carry on/ignoring (item 3). */
export function withBool(expr: string): string {
  return expr.replace(/ (>=|<=|==|!=|>|<) (on|ignoring)\(/g, ' $1 bool $2(')
}

/** The samples of a scenario's series in `(from, to]`, staleness markers and gaps left out. */
function windowPoints(
  values: readonly string[],
  intervalMs: number,
  from: number,
  to: number,
): Array<[number, number]> {
  const out: Array<[number, number]> = []
  values.forEach((v, i) => {
    const t = i * intervalMs
    if (t > from && t <= to && v !== '_' && v !== 'stale') out.push([t, Number(v)])
  })
  return out
}

/** Whether 2.42's and 3.x's placement of the counter zero clamp differ for these points. */
function clampDiffers(points: Array<[number, number]>, rangeStart: number): boolean {
  if (points.length < 2) return false
  const [firstT, firstV] = points[0] as [number, number]
  const lastT = (points[points.length - 1] as [number, number])[0]
  let result = (points[points.length - 1] as [number, number])[1] - firstV
  for (let i = 1; i < points.length; i++) {
    const previous = (points[i - 1] as [number, number])[1]
    if ((points[i] as [number, number])[1] < previous) result += previous
  }
  if (!(result > 0 && firstV >= 0)) return false
  const sampled = (lastT - firstT) / 1000
  const average = sampled / (points.length - 1)
  const durationToStart = (firstT - rangeStart) / 1000
  const durationToZero = sampled * (firstV / result)
  return durationToStart >= average * 1.1 && durationToZero > average / 2 && durationToZero < average * 1.1
}

/**
 * Whether evaluating `expr` at `atMs` reads a `rate`/`increase` window in which item 2 changes
 * the answer (any series of the metric, whatever the matchers: a superset, never a miss).
 */
export function touchesClampChange(scenario: Scenario, expr: string, atMs: number): boolean {
  const pattern = /(?:rate|increase)\(([a-z_]+)(?:\{[^}]*\})?\[([0-9a-z]+)\](?: offset ([0-9a-z]+))?\)/g
  for (const m of expr.matchAll(pattern)) {
    const end = atMs - durationMs(m[3], 0)
    const start = end - durationMs(m[2], 0)
    for (const s of scenario.series) {
      if (!s.series.startsWith(`${m[1]}{`)) continue
      if (clampDiffers(windowPoints(s.values, scenario.intervalMs, start, end), start)) return true
    }
  }
  return false
}
