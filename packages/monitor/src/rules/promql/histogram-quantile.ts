import { type Labels, labelsKey } from '../../labels/labels.js'

/** One classic-histogram bucket: its upper bound (`le`) and cumulative count. */
interface Bucket {
  le: number
  count: number
}

/** The relative difference under which two neighbouring bucket counts are treated as equal. */
const SMALL_DELTA = 1e-12
const MIN_NORMAL = 2.2250738585072014e-308

/** Prometheus' `almost.Equal` for two bucket counts. */
function almostEqual(a: number, b: number): boolean {
  if (a === b) return true
  const absSum = Math.abs(a) + Math.abs(b)
  const diff = Math.abs(a - b)
  if (a === 0 || b === 0 || absSum < MIN_NORMAL) return diff < SMALL_DELTA * MIN_NORMAL
  return diff / Math.min(absSum, Number.MAX_VALUE) < SMALL_DELTA
}

/** Merges buckets with the same bound, then removes decreases (Prometheus' monotonicity fix). */
function normalise(sorted: Bucket[]): Bucket[] {
  const merged: Bucket[] = []
  for (const b of sorted) {
    const last = merged[merged.length - 1]
    if (last && last.le === b.le) last.count += b.count
    else merged.push({ le: b.le, count: b.count })
  }
  let previous = (merged[0] as Bucket).count
  for (let i = 1; i < merged.length; i++) {
    const bucket = merged[i] as Bucket
    if (bucket.count === previous) continue
    if (almostEqual(previous, bucket.count) || bucket.count < previous) bucket.count = previous
    else previous = bucket.count
  }
  return merged
}

/**
 * The φ-quantile of classic buckets as Prometheus' `BucketQuantile`: linear interpolation in the
 * bucket holding the rank (from 0 for the lowest bucket when its bound is positive), the second
 * highest bound when the rank falls in `+Inf`, `NaN` without a `+Inf` bucket, with fewer than two
 * buckets, or without observations.
 */
export function bucketQuantile(q: number, buckets: Bucket[]): number {
  if (Number.isNaN(q)) return Number.NaN
  if (q < 0) return Number.NEGATIVE_INFINITY
  if (q > 1) return Number.POSITIVE_INFINITY
  buckets.sort((a, b) => a.le - b.le)
  if ((buckets[buckets.length - 1] as Bucket).le !== Number.POSITIVE_INFINITY) return Number.NaN
  const list = normalise(buckets)
  if (list.length < 2) return Number.NaN
  const observations = (list[list.length - 1] as Bucket).count
  if (observations === 0) return Number.NaN
  let rank = q * observations
  let b = 0
  while (b < list.length - 1 && (list[b] as Bucket).count < rank) b++
  if (b === list.length - 1) return (list[list.length - 2] as Bucket).le
  const bucket = list[b] as Bucket
  if (b === 0 && bucket.le <= 0) return bucket.le
  let start = 0
  let count = bucket.count
  if (b > 0) {
    const below = list[b - 1] as Bucket
    start = below.le
    count -= below.count
    rank -= below.count
  }
  return start + (bucket.le - start) * (rank / count)
}

/** Parses an `le` label as Go's `strconv.ParseFloat` does for the forms exporters write. */
function parseBound(le: string): number | undefined {
  if (/^[+-]?(?:inf|infinity)$/i.test(le)) return le.startsWith('-') ? -Infinity : Infinity
  if (/^[+-]?nan$/i.test(le)) return Number.NaN
  if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(le)) return undefined
  return Number(le)
}

/**
 * `histogram_quantile(q, buckets)`: the elements grouped by their labels without `le`, one
 * result per group that has at least one bucket (`NaN` when it cannot be computed, as
 * Prometheus returns it). Elements without a parsable `le` are ignored.
 */
export function histogramQuantile(
  q: number,
  elements: ReadonlyArray<{ labels: Labels; value: number }>,
): Array<{ labels: Labels; value: number }> {
  const groups = new Map<string, { labels: Labels; buckets: Bucket[] }>()
  for (const e of elements) {
    const le = e.labels.le === undefined ? undefined : parseBound(e.labels.le)
    if (le === undefined) continue
    const { le: _le, ...rest } = e.labels
    const key = labelsKey(rest)
    let group = groups.get(key)
    if (!group) {
      group = { labels: rest, buckets: [] }
      groups.set(key, group)
    }
    group.buckets.push({ le, count: e.value })
  }
  return [...groups.values()].map((g) => ({ labels: g.labels, value: bucketQuantile(q, g.buckets) }))
}
