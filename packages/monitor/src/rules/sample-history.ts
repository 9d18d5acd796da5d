import { parseInput } from '@opskit/core'
import { z } from 'zod'
import { MonitorError } from '../errors/monitor-error.js'
import { type Labels, labelsKey } from './labels.js'
import type { Sample } from './sample-source.js'
import {
  addPoint,
  addStale,
  dropOld,
  newEntry,
  pointsIn,
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
   * Drops what is `keepMs(name)` or more older than `now` (in batches: up to a few older points of
   * a series may stay until the next call), and series left empty.
   */
  prune(now: number, keepMs: (name: string) => number): void
}

/** Builds an empty {@link SampleHistory}. */
export function createSampleHistory(): SampleHistory {
  const byName = new Map<string, Map<string, SeriesEntry>>()
  /** The series each metric had at the last collection (to mark vanished ones stale). */
  const collected = new Map<string, SeriesEntry[]>()
  /** Entries by label object: sources that keep their label objects skip building the key. */
  const entryCache = new WeakMap<Labels, SeriesEntry>()

  const entryFor = (name: string, labels: Labels, key: string): SeriesEntry => {
    let series = byName.get(name)
    if (!series) {
      series = new Map()
      byName.set(name, series)
    }
    let entry = series.get(key)
    if (!entry) {
      entry = newEntry(name, key, labels)
      series.set(key, entry)
    }
    return entry
  }

  const collectedEntry = (name: string, labels: Labels): SeriesEntry => {
    let entry = entryCache.get(labels)
    if (!entry?.alive || entry.name !== name) {
      entry = entryFor(name, labels, labelsKey(labels))
      entryCache.set(labels, entry)
    }
    return entry
  }

  return {
    append(sample) {
      const entry = entryFor(sample.name, { ...sample.labels }, labelsKey(sample.labels))
      if (sample.stale) addStale(entry, sample.timestamp)
      else addPoint(entry, sample.timestamp, sample.value)
    },
    appendKeyed(name, labels, key, t, value, stale) {
      const entry = entryFor(name, labels, key)
      if (stale) addStale(entry, t)
      else addPoint(entry, t, value)
    },
    appendCollection(t, samples) {
      for (const [name, list] of samples) {
        const now: SeriesEntry[] = []
        for (const s of list) {
          const entry = collectedEntry(name, s.labels)
          entry.collectedAt = t
          now.push(entry)
          addPoint(entry, t, s.value)
        }
        for (const entry of collected.get(name) ?? []) if (entry.collectedAt !== t) addStale(entry, t)
        collected.set(name, now)
      }
      for (const [name, entries] of collected) {
        if (samples.has(name)) continue
        for (const entry of entries) addStale(entry, t)
        collected.delete(name)
      }
    },
    instant(name, t, lookbackMs = LOOKBACK_DELTA_MS) {
      const out: Sample[] = []
      for (const entry of byName.get(name)?.values() ?? []) {
        const sample = sampleAt(entry, t, lookbackMs)
        if (sample) out.push(sample)
      }
      return out
    },
    range(name, from, to) {
      const out: SeriesPoints[] = []
      for (const entry of byName.get(name)?.values() ?? []) {
        const points = pointsIn(entry, from, to)
        if (points) out.push({ labels: entry.labels, points })
      }
      return out
    },
    names: () => [...byName.keys()],
    prune(now, keepMs) {
      for (const [name, series] of byName) {
        const oldest = now - keepMs(name)
        for (const [key, entry] of series) {
          if (dropOld(entry, oldest)) continue
          entry.alive = false
          series.delete(key)
        }
        if (series.size === 0) byName.delete(name)
      }
    },
  }
}
