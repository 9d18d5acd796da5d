import { parseInput } from '@opskit/core'
import { z } from 'zod'
import { MonitorError } from '../errors/monitor-error.js'
import { type Labels, labelsKey } from '../labels/labels.js'
import type { Sample } from './sample-source.js'
import {
  addPoint,
  addStale,
  dropOld,
  newEntry,
  pointsIn,
  pruneDue,
  type SeriesEntry,
  sampleAt,
} from './series-entry.js'

/**
 * How far back an instant read looks for a series' latest sample: Prometheus' default
 * `--query.lookback-delta`.
 */
export const LOOKBACK_DELTA_MS = 5 * 60_000

/** A sample with its own timestamp, for backfill, replay and tests. */
export interface TimedSample {
  name: string
  labels: Labels
  value: number
  /** Milliseconds since the epoch. */
  timestamp: number
  /**
   * A staleness marker instead of a value: the series ends at `timestamp`, as Prometheus writes
   * when a scraped series disappears (`value` is then ignored).
   */
  stale?: boolean
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const SAMPLE_FIELDS = new Set(['name', 'labels', 'value', 'timestamp', 'stale'])

const timedSampleSchema = z
  .object({
    name: z.string().regex(METRIC_NAME, 'must be a valid metric name'),
    labels: z.record(
      z
        .string()
        .regex(LABEL_NAME, 'must be a valid label name')
        .refine((name) => name !== '__name__', 'the metric name goes in `name`'),
      z.string(),
    ),
    // any float, NaN and ±Inf included (zod's number() refuses them)
    value: z.custom<number>((v) => typeof v === 'number', 'must be a number'),
    timestamp: z.number().int(),
    stale: z.boolean().optional(),
  })
  .strict()

/** The schema's checks without its cost, for the common case of a valid sample (backfills are large). */
function isWellFormed(input: unknown): input is TimedSample {
  if (typeof input !== 'object' || input === null) return false
  for (const field in input) if (!SAMPLE_FIELDS.has(field)) return false
  const sample = input as Record<string, unknown>
  if (typeof sample.name !== 'string' || !METRIC_NAME.test(sample.name)) return false
  if (typeof sample.value !== 'number' || !Number.isSafeInteger(sample.timestamp)) return false
  if (sample.stale !== undefined && typeof sample.stale !== 'boolean') return false
  const labels = sample.labels
  if (typeof labels !== 'object' || labels === null || Array.isArray(labels)) return false
  for (const [name, value] of Object.entries(labels))
    if (!LABEL_NAME.test(name) || name === '__name__' || typeof value !== 'string') return false
  return true
}

/** Validates a {@link TimedSample}; throws `MONITOR_INVALID_SAMPLE`. */
export function parseTimedSample(input: TimedSample): TimedSample {
  if (isWellFormed(input)) return input
  return parseInput(
    timedSampleSchema,
    input,
    (message, issues) =>
      new MonitorError('MONITOR_INVALID_SAMPLE', `invalid sample: ${message}`, { details: { issues } }),
  ) as TimedSample
}

/** The points `[t, v]` of one series, oldest first. */
export interface SeriesPoints {
  labels: Labels
  points: Array<[number, number]>
}

/**
 * The samples the rule engine reads, per metric name and series, each with its own timestamp:
 * what evaluations collected (a series missing from the next collection gets a staleness
 * marker, as a Prometheus scrape writes) and what hosts append themselves.
 */
export interface SampleHistory {
  /** Adds one sample (or a staleness marker); out-of-order timestamps are inserted in place. */
  append(sample: TimedSample): void
  /**
   * {@link SampleHistory.append} for the engine's own series (recording rules, `ALERTS`): `labels`
   * is kept as it is (never changed afterwards) and `key` is its `labelsKey`.
   */
  appendKeyed(name: string, labels: Labels, key: string, t: number, value: number, stale?: boolean): void
  /**
   * Records one collection at `t`: every sample is appended at `t`, and every series that the
   * previous collection had and this one lacks is marked stale at `t`.
   */
  appendCollection(t: number, byName: ReadonlyMap<string, readonly Sample[]>): void
  /**
   * The instant vector of `name` at `t`: each series' latest sample in `(t − lookbackMs, t]`,
   * unless a staleness marker follows it.
   */
  instant(name: string, t: number, lookbackMs?: number): Sample[]
  /** Each series' samples of `name` with timestamps in `(from, to]` (staleness markers left out). */
  range(name: string, from: number, to: number): SeriesPoints[]
  /** Metric names with at least one series. */
  names(): string[]
  /**
   * The latest time at or before which pruning has dropped samples of `name` (reads reaching that
   * far back are incomplete), or `undefined` when none were dropped.
   */
  prunedBefore(name: string): number | undefined
  /** The time of the oldest sample of `name` kept, or `undefined` when none is. */
  oldest(name: string): number | undefined
  /**
   * Drops what is `keepMs(name)` or more older than `now` (in batches: up to a few older points of
   * a series may stay until the next call), and series left empty.
   */
  prune(now: number, keepMs: (name: string) => number): void
}

/** The series of one metric name. */
interface MetricSeries {
  byKey: Map<string, SeriesEntry>
  /** The same entries, in insertion order (reads iterate an array, not the map). */
  list: SeriesEntry[]
  /**
   * A lower bound of the series' {@link pruneDue}: pruning skips the metric until its cut reaches
   * it, so an evaluation does not visit every series of every metric.
   */
  pruneDue: number
}

/** What one collection had of a metric, in order: the next one is matched against it position by position. */
interface Collected {
  labels: Labels[]
  entries: SeriesEntry[]
}

/** Whether two label sets are equal (without building their keys). */
function sameLabels(a: Labels, b: Labels): boolean {
  if (a === b) return true
  let count = 0
  for (const name in a) {
    if (a[name] !== b[name]) return false
    count++
  }
  for (const _ in b) count--
  return count === 0
}

/**
 * Whether `list` has the series of `previous`, in the same order (sources keep their order
 * between collections): then they need no lookup, and none vanished.
 */
function sameSeries(previous: Collected | undefined, list: readonly Sample[]): previous is Collected {
  if (!previous || previous.labels.length !== list.length) return false
  const { labels, entries } = previous
  for (let i = 0; i < list.length; i++) {
    if (!(entries[i] as SeriesEntry).alive) return false
    if (!sameLabels((list[i] as Sample).labels, labels[i] as Labels)) return false
  }
  return true
}

/** Appends a metric's collection at `t` that has the same series as the previous one. */
function appendSame(metric: MetricSeries, t: number, list: readonly Sample[], entries: SeriesEntry[]): void {
  let due = metric.pruneDue
  for (let i = 0; i < list.length; i++) {
    const entry = entries[i] as SeriesEntry
    entry.collectedAt = t
    addPoint(entry, t, (list[i] as Sample).value)
    const entryDue = pruneDue(entry)
    if (entryDue < due) due = entryDue
  }
  metric.pruneDue = due
}

/** Each series' latest sample in `(t − lookbackMs, t]`, unless a staleness marker follows it. */
function instantVector(list: readonly SeriesEntry[], t: number, lookbackMs: number): Sample[] {
  const out: Sample[] = []
  for (const entry of list) {
    const sample = sampleAt(entry, t, lookbackMs)
    if (sample) out.push(sample)
  }
  return out
}

/** Each series' samples with timestamps in `(from, to]`. */
function rangeVector(list: readonly SeriesEntry[], from: number, to: number): SeriesPoints[] {
  const out: SeriesPoints[] = []
  for (const entry of list) {
    const points = pointsIn(entry, from, to)
    if (points) out.push({ labels: entry.labels, points })
  }
  return out
}

/** The time of the oldest sample kept in `list`, or `undefined` when none is. */
function oldestTime(list: readonly SeriesEntry[]): number | undefined {
  let oldest: number | undefined
  for (const entry of list) {
    const first = entry.times[0]
    if (first !== undefined && (oldest === undefined || first < oldest)) oldest = first
  }
  return oldest
}

/**
 * Drops a metric's samples older than `oldest` (in batches, see {@link dropOld}) and its series
 * left empty, which are marked dead; recomputes the metric's prune bound.
 */
function pruneMetric(metric: MetricSeries, oldest: number): void {
  let due = Number.POSITIVE_INFINITY
  let dropped = false
  for (const entry of metric.list) {
    if (dropOld(entry, oldest)) {
      due = Math.min(due, pruneDue(entry))
      continue
    }
    entry.alive = false
    metric.byKey.delete(entry.key)
    dropped = true
  }
  metric.pruneDue = due
  if (dropped) metric.list = metric.list.filter((entry) => entry.alive)
}

/** Builds an empty {@link SampleHistory}. */
export function createSampleHistory(): SampleHistory {
  const byName = new Map<string, MetricSeries>()
  /** The series each metric had at the last collection (to mark vanished ones stale). */
  const collected = new Map<string, Collected>()
  /** Entries by label object: sources that keep their label objects skip building the key. */
  const entryCache = new WeakMap<Labels, SeriesEntry>()
  /** Per metric, the latest `oldest` pruning dropped samples at or before. */
  const cuts = new Map<string, number>()

  const metricFor = (name: string): MetricSeries => {
    let metric = byName.get(name)
    if (!metric) {
      metric = { byKey: new Map(), list: [], pruneDue: Number.POSITIVE_INFINITY }
      byName.set(name, metric)
    }
    return metric
  }

  const entryFor = (name: string, labels: Labels, key: string): SeriesEntry => {
    const metric = metricFor(name)
    let entry = metric.byKey.get(key)
    if (!entry) {
      entry = newEntry(name, key, labels)
      metric.byKey.set(key, entry)
      metric.list.push(entry)
    }
    return entry
  }

  /** Adds a sample or a marker to `entry` and keeps its metric's prune bound. */
  const write = (entry: SeriesEntry, t: number, value: number, stale: boolean | undefined) => {
    if (stale) addStale(entry, t)
    else addPoint(entry, t, value)
    const metric = byName.get(entry.name)
    if (metric && entry.alive) metric.pruneDue = Math.min(metric.pruneDue, pruneDue(entry))
  }

  const collectedEntry = (name: string, labels: Labels): SeriesEntry => {
    let entry = entryCache.get(labels)
    if (!entry?.alive || entry.name !== name) {
      entry = entryFor(name, labels, labelsKey(labels))
      entryCache.set(labels, entry)
    }
    return entry
  }

  /** Appends a metric's collection at `t`, marking stale the series the previous one had and this one lacks. */
  const appendChanged = (name: string, t: number, list: readonly Sample[]) => {
    const now: Collected = { labels: [], entries: [] }
    for (const s of list) {
      const entry = collectedEntry(name, s.labels)
      entry.collectedAt = t
      now.labels.push(s.labels)
      now.entries.push(entry)
      write(entry, t, s.value, false)
    }
    for (const entry of collected.get(name)?.entries ?? [])
      if (entry.collectedAt !== t) write(entry, t, 0, true)
    collected.set(name, now)
  }

  return {
    append(sample) {
      const entry = entryFor(sample.name, { ...sample.labels }, labelsKey(sample.labels))
      write(entry, sample.timestamp, sample.value, sample.stale)
    },
    appendKeyed(name, labels, key, t, value, stale) {
      write(entryFor(name, labels, key), t, value, stale)
    },
    appendCollection(t, samples) {
      for (const [name, list] of samples) {
        const previous = collected.get(name)
        const metric = byName.get(name)
        if (metric && sameSeries(previous, list)) appendSame(metric, t, list, previous.entries)
        else appendChanged(name, t, list)
      }
      for (const [name, { entries }] of collected) {
        if (samples.has(name)) continue
        for (const entry of entries) write(entry, t, 0, true)
        collected.delete(name)
      }
    },
    instant: (name, t, lookbackMs = LOOKBACK_DELTA_MS) =>
      instantVector(byName.get(name)?.list ?? [], t, lookbackMs),
    range: (name, from, to) => rangeVector(byName.get(name)?.list ?? [], from, to),
    names: () => [...byName.keys()],
    prunedBefore: (name) => cuts.get(name),
    oldest: (name) => oldestTime(byName.get(name)?.list ?? []),
    prune(now, keepMs) {
      for (const [name, metric] of byName) {
        const oldest = now - keepMs(name)
        if (oldest < metric.pruneDue) continue
        cuts.set(name, Math.max(cuts.get(name) ?? oldest, oldest))
        pruneMetric(metric, oldest)
        if (metric.list.length === 0) byName.delete(name)
      }
    },
  }
}
