import type { Labels } from '../labels/labels.js'
import type { Sample } from './sample-source.js'

/** One series of the sample history: its samples (parallel arrays) and staleness markers. */
export interface SeriesEntry {
  name: string
  key: string
  labels: Labels
  /** Sample timestamps, ascending, and their values (parallel arrays: no object per sample). */
  times: number[]
  values: number[]
  /** Timestamps of staleness markers, ascending. */
  stale: number[]
  /**
   * The sample object instant reads last returned for the newest point, reused while that point
   * keeps its value (built on read, so appends allocate nothing per sample).
   */
  latest: Sample | undefined
  /** When the series was last collected (to find the ones a collection lacks). */
  collectedAt: number
  /** Cleared when pruning drops the series (cached references must not revive it). */
  alive: boolean
}

/** How many expired points of a series {@link dropOld} lets gather before it drops them. */
const PRUNE_BATCH = 8

/** An empty series. */
export function newEntry(name: string, key: string, labels: Labels): SeriesEntry {
  return {
    name,
    key,
    labels,
    times: [],
    values: [],
    stale: [],
    latest: undefined,
    collectedAt: -1,
    alive: true,
  }
}

/** Index of the last element of the ascending `times` that is `<= t`, or -1. */
function lastAtOrBefore(times: readonly number[], t: number): number {
  const length = times.length
  if (length === 0 || (times[0] as number) > t) return -1
  if ((times[length - 1] as number) <= t) return length - 1
  let lo = 0
  let hi = length - 1
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1
    if ((times[mid] as number) <= t) lo = mid
    else hi = mid - 1
  }
  return lo
}

/** How many leading elements of the ascending `times` are `<= t`. */
function countAtOrBefore(times: readonly number[], t: number): number {
  return lastAtOrBefore(times, t) + 1
}

/** Removes the element equal to `t` from the ascending `times` (and the same index of `values`). */
function removeTime(times: number[], t: number, values?: number[]): void {
  const i = lastAtOrBefore(times, t)
  if (i < 0 || times[i] !== t) return
  times.splice(i, 1)
  values?.splice(i, 1)
}

/** Adds a sample at `t` (in place when out of order; the same time replaces the value or a marker). */
export function addPoint(entry: SeriesEntry, t: number, value: number): void {
  const { times, values } = entry
  const n = times.length
  if (n === 0 || (times[n - 1] as number) < t) {
    times.push(t)
    values.push(value)
  } else {
    const i = lastAtOrBefore(times, t)
    if (i >= 0 && times[i] === t) values[i] = value
    else {
      times.splice(i + 1, 0, t)
      values.splice(i + 1, 0, value)
    }
  }
  if (entry.stale.length > 0) removeTime(entry.stale, t)
}

/** Adds a staleness marker at `t` (replacing a sample at that time). */
export function addStale(entry: SeriesEntry, t: number): void {
  const { stale } = entry
  const n = stale.length
  if (n === 0 || (stale[n - 1] as number) < t) stale.push(t)
  else {
    const i = lastAtOrBefore(stale, t)
    if (stale[i] !== t) stale.splice(i + 1, 0, t)
  }
  removeTime(entry.times, t, entry.values)
}

/** The series' sample for an instant read at `t`: its latest in `(t − lookbackMs, t]`, unless a marker follows it. */
export function sampleAt(entry: SeriesEntry, t: number, lookbackMs: number): Sample | undefined {
  const { times, stale } = entry
  const i = lastAtOrBefore(times, t)
  if (i < 0) return undefined
  const pt = times[i] as number
  if (pt <= t - lookbackMs) return undefined
  if (stale.length > 0 && (stale[stale.length - 1] as number) > pt) {
    const s = lastAtOrBefore(stale, t)
    if (s >= 0 && (stale[s] as number) > pt) return undefined
  }
  const value = entry.values[i] as number
  if (i !== times.length - 1) return { name: entry.name, labels: entry.labels, value }
  let latest = entry.latest
  if (!latest || !Object.is(latest.value, value)) {
    latest = { name: entry.name, labels: entry.labels, value }
    entry.latest = latest
  }
  return latest
}

/** The series' points with timestamps in `(from, to]`, or undefined when there are none. */
export function pointsIn(entry: SeriesEntry, from: number, to: number): Array<[number, number]> | undefined {
  const { times, values } = entry
  const end = lastAtOrBefore(times, to)
  if (end < 0 || (times[end] as number) <= from) return undefined
  const points: Array<[number, number]> = []
  for (let i = countAtOrBefore(times, from); i <= end; i++)
    points.push([times[i] as number, values[i] as number])
  return points
}

/**
 * The smallest `oldest` for which {@link dropOld} would change the series (−Infinity when it
 * holds nothing): pruning skips metrics none of whose series is due yet.
 */
export function pruneDue(entry: SeriesEntry): number {
  const { times, stale } = entry
  const n = times.length
  let due = n === 0 ? Number.POSITIVE_INFINITY : (times[n < PRUNE_BATCH ? n - 1 : PRUNE_BATCH - 1] as number)
  if (stale.length > 0 && (stale[0] as number) < due) due = stale[0] as number
  return due === Number.POSITIVE_INFINITY ? Number.NEGATIVE_INFINITY : due
}

/**
 * Drops samples and markers at or before `oldest` (samples in batches: reads never look past their
 * window, so a few may wait); false when nothing is left.
 */
export function dropOld(entry: SeriesEntry, oldest: number): boolean {
  const { times, values, stale } = entry
  if (times.length > 0 && (times[0] as number) <= oldest) {
    const drop = countAtOrBefore(times, oldest)
    if (drop >= PRUNE_BATCH || drop === times.length) {
      times.splice(0, drop)
      values.splice(0, drop)
    }
  }
  if (stale.length > 0 && (stale[0] as number) <= oldest) stale.splice(0, countAtOrBefore(stale, oldest))
  return times.length > 0 || stale.length > 0
}
