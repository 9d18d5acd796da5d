import type { RangeFunction } from './ast.js'
import { KahanMean, KahanSum } from './kahan.js'

/** The samples of one series in a window, oldest first (no staleness markers). */
export type Points = ReadonlyArray<readonly [number, number]>

/**
 * `rate` / `increase` / `delta` as Prometheus 3 computes them (promql `extrapolatedRate`): the
 * change between the first and last sample (for counters, resets added back), extrapolated to
 * the window's edges when the samples reach within 1.1 average intervals of an edge, else by
 * half an interval; a counter is then never extrapolated back past its zero (the clamp applies
 * after the threshold, prometheus/prometheus#13725). `rate` divides by the window.
 */
function extrapolatedRate(
  points: Points,
  rangeStart: number,
  rangeEnd: number,
  isCounter: boolean,
  isRate: boolean,
): number | undefined {
  if (points.length < 2) return undefined
  const [firstT, firstV] = points[0] as readonly [number, number]
  const [lastT, lastV] = points[points.length - 1] as readonly [number, number]
  let result = lastV - firstV
  if (isCounter) {
    for (let i = 1; i < points.length; i++) {
      const previous = (points[i - 1] as readonly [number, number])[1]
      if ((points[i] as readonly [number, number])[1] < previous) result += previous
    }
  }
  let durationToStart = (firstT - rangeStart) / 1000
  let durationToEnd = (rangeEnd - lastT) / 1000
  const sampledInterval = (lastT - firstT) / 1000
  const averageGap = sampledInterval / (points.length - 1)
  const threshold = averageGap * 1.1
  if (durationToStart >= threshold) durationToStart = averageGap / 2
  if (isCounter) {
    const durationToZero = result > 0 && firstV >= 0 ? sampledInterval * (firstV / result) : durationToStart
    if (durationToZero < durationToStart) durationToStart = durationToZero
  }
  if (durationToEnd >= threshold) durationToEnd = averageGap / 2
  let factor =
    sampledInterval !== 0 ? (sampledInterval + durationToStart + durationToEnd) / sampledInterval : 1
  if (isRate) factor /= (rangeEnd - rangeStart) / 1000
  return result * factor
}

/**
 * Least-squares line through the points, as Prometheus' `linearRegression` (compensated sums):
 * `slope` per second and the value at `interceptTime` (ms). Constant values give slope 0.
 */
export function linearRegression(
  points: Points,
  interceptTime: number,
): { slope: number; intercept: number } {
  const initY = (points[0] as readonly [number, number])[1]
  let constY = true
  const sumX = new KahanSum()
  const sumY = new KahanSum()
  const sumXY = new KahanSum()
  const sumX2 = new KahanSum()
  for (let i = 0; i < points.length; i++) {
    const [t, v] = points[i] as readonly [number, number]
    if (constY && i > 0 && v !== initY) constY = false
    const x = (t - interceptTime) / 1e3
    sumX.add(x)
    sumY.add(v)
    sumXY.add(x * v)
    sumX2.add(x * x)
  }
  if (constY) {
    if (initY === Number.POSITIVE_INFINITY || initY === Number.NEGATIVE_INFINITY)
      return { slope: Number.NaN, intercept: Number.NaN }
    return { slope: 0, intercept: initY }
  }
  const n = points.length
  const x = sumX.value()
  const y = sumY.value()
  const covXY = sumXY.value() - (x * y) / n
  const varX = sumX2.value() - (x * x) / n
  const slope = covXY / varX
  return { slope, intercept: y / n - (slope * x) / n }
}

/** `irate`: the per-second change between the last two samples (a reset counts from zero). */
function instantRate(points: Points): number | undefined {
  if (points.length < 2) return undefined
  const [prevT, prevV] = points[points.length - 2] as readonly [number, number]
  const [lastT, lastV] = points[points.length - 1] as readonly [number, number]
  const interval = lastT - prevT
  if (interval === 0) return undefined
  return (lastV < prevV ? lastV : lastV - prevV) / (interval / 1000)
}

/** `min_over_time` / `max_over_time`: `NaN` samples lose to any number (all `NaN` gives `NaN`). */
function extremum(points: Points, wins: (candidate: number, best: number) => boolean): number {
  let best = (points[0] as readonly [number, number])[1]
  for (const [, v] of points) if (wins(v, best) || Number.isNaN(best)) best = v
  return best
}

function sumOverTime(points: Points): number {
  const sum = new KahanSum()
  for (const [, v] of points) sum.add(v)
  return sum.sum === Number.POSITIVE_INFINITY || sum.sum === Number.NEGATIVE_INFINITY ? sum.sum : sum.value()
}

function avgOverTime(points: Points): number {
  const mean = new KahanMean((points[0] as readonly [number, number])[1])
  for (let i = 1; i < points.length; i++) mean.add((points[i] as readonly [number, number])[1])
  return mean.value()
}

/** Counts the samples whose value differs from the one before (`changes`) or is below it (`resets`). */
function countSteps(points: Points, step: (prev: number, cur: number) => boolean): number {
  let count = 0
  for (let i = 1; i < points.length; i++)
    if (step((points[i - 1] as readonly [number, number])[1], (points[i] as readonly [number, number])[1]))
      count++
  return count
}

/**
 * The value of a range function over one series' samples in the window
 * `(rangeStart, rangeEnd]` (ms), or `undefined` when it has none (as Prometheus drops the series).
 */
export function rangeValue(
  fn: RangeFunction,
  points: Points,
  rangeStart: number,
  rangeEnd: number,
): number | undefined {
  if (points.length === 0) return undefined
  switch (fn) {
    case 'avg_over_time':
      return avgOverTime(points)
    case 'sum_over_time':
      return sumOverTime(points)
    case 'count_over_time':
      return points.length
    case 'last_over_time':
      return (points[points.length - 1] as readonly [number, number])[1]
    case 'min_over_time':
      return extremum(points, (v, best) => v < best)
    case 'max_over_time':
      return extremum(points, (v, best) => v > best)
    case 'changes':
      return countSteps(points, (prev, cur) => cur !== prev && !(Number.isNaN(cur) && Number.isNaN(prev)))
    case 'resets':
      return countSteps(points, (prev, cur) => cur < prev)
    case 'irate':
      return instantRate(points)
    case 'deriv':
      return points.length < 2
        ? undefined
        : linearRegression(points, (points[0] as readonly [number, number])[0]).slope
    case 'delta':
      return extrapolatedRate(points, rangeStart, rangeEnd, false, false)
    case 'increase':
      return extrapolatedRate(points, rangeStart, rangeEnd, true, false)
    case 'rate':
      return extrapolatedRate(points, rangeStart, rangeEnd, true, true)
    case 'absent_over_time':
      return undefined
  }
}
