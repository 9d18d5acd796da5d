import type { Labels } from '../labels/labels.js'

/** The width of a minute bucket, in ms. */
export const MINUTE_MS = 60_000
/** The width of an hour bucket, in ms. */
export const HOUR_MS = 3_600_000

/**
 * One instance's SLO event counts in one minute: the instance's running totals for that minute,
 * written again (replacing the row) as the minute fills, so a retried write never adds twice.
 */
export interface SloCountRow {
  slo: string
  /** The writing monitor instance (one per process): counts of instances add up. */
  instance: string
  /** Start of the minute (ms since the epoch, a multiple of 60,000). */
  minute: number
  good: number
  total: number
}

/** SLO event counts of every instance, summed, in one minute or one hour. */
export interface SloCountBucket {
  /** Start of the bucket (ms). */
  start: number
  /** {@link MINUTE_MS} or {@link HOUR_MS}. */
  stepMs: number
  good: number
  total: number
}

/** One recorded sample of a recording rule. */
export interface HistoryPoint {
  metric: string
  labels: Labels
  /** Timestamp (ms). */
  t: number
  value: number
}

/** Resolutions the history keeps: raw samples (0), minute and hour aggregates. */
export type HistoryStep = 0 | typeof MINUTE_MS | typeof HOUR_MS

/** A stored bucket of one series: a raw sample (`stepMs` 0, `count` 1) or an aggregate. */
export interface HistoryBucket {
  labels: Labels
  stepMs: HistoryStep
  /** Start of the bucket; for a raw sample its timestamp. A point at `t` is in `[start, start + stepMs)`. */
  start: number
  /** The value of the bucket's latest sample, and that sample's timestamp. */
  last: number
  lastAt: number
  min: number
  max: number
  sum: number
  count: number
}

/** A time range of one resolution to read: buckets whose start is in `[from, to)`. */
export interface HistorySegment {
  stepMs: HistoryStep
  from: number
  to: number
}

/** What {@link MonitorHistoryStore.pruneHistory} deletes: everything that starts before each cut. */
export interface HistoryCuts {
  rawBefore: number
  minuteBefore: number
  hourBefore: number
  /** SLO hour buckets starting before this go. */
  sloHourBefore: number
}

/**
 * The monitor's persisted history: SLO event counters per minute (rolled up to hours) and the
 * results of recording rules (raw, then minute and hour aggregates). Part of every
 * `MonitorStore`; every method is safe to run from several instances on one database.
 */
export interface MonitorHistoryStore {
  /** Inserts or replaces instances' minute counts (keyed by SLO, minute and instance). */
  writeSloCounts(rows: readonly SloCountRow[]): Promise<void>
  /**
   * The SLO's counts with bucket start in `[from, to)`, summed over instances, in start order:
   * minute buckets not rolled up yet and hour buckets, read in one consistent snapshot.
   */
  readSloCounts(slo: string, from: number, to: number): Promise<SloCountBucket[]>
  /**
   * Moves minute counts that start before `before` (an hour boundary) into hour buckets, adding
   * them there. Atomic: concurrent calls never move a minute twice.
   */
  rollUpSloCounts(before: number): Promise<void>
  /** Inserts raw samples (a second sample of a series at the same `t` replaces the first). */
  appendHistory(points: readonly HistoryPoint[]): Promise<void>
  /**
   * (Re)computes the `toStep` buckets starting in `[from, to)` from the `fromStep` buckets in the
   * same range: last/min/max/sum/count per series. Idempotent; `from`/`to` are multiples of `toStep`.
   */
  downsampleHistory(
    fromStep: 0 | typeof MINUTE_MS,
    toStep: typeof MINUTE_MS | typeof HOUR_MS,
    from: number,
    to: number,
  ): Promise<void>
  /**
   * The buckets of `metric` in the given segments (one consistent read), by series then start;
   * the buckets of one series share one `labels` object.
   */
  readHistory(metric: string, segments: readonly HistorySegment[]): Promise<HistoryBucket[]>
  /** Deletes buckets past their retention. */
  pruneHistory(cuts: HistoryCuts): Promise<void>
}
