import type { Logger } from '@opskit/core'
import type { Labels } from '../labels/labels.js'
import {
  type HistoryBucket,
  type HistoryPoint,
  type HistorySegment,
  HOUR_MS,
  MINUTE_MS,
  type MonitorHistoryStore,
} from '../store/history-store.js'
import { bucketStart } from './buckets.js'
import type { ResolvedHistoryOptions } from './history-options.js'

/** One series of the persisted history, its buckets in time order. */
export interface ArchivedSeries {
  labels: Labels
  buckets: HistoryBucket[]
}

/** Where the rule engine hands recording rules' results, and reads them back beyond its memory. */
export interface RecordingArchive {
  /** Buffers one recorded sample; written at the next flush. */
  record(metric: string, labels: Labels, t: number, value: number): void
  /**
   * The series of `metric` with buckets in `[from, to]` (after writing what is buffered): raw
   * samples where they are kept, then minute aggregates, then hour aggregates.
   */
  read(metric: string, from: number, to: number): Promise<ArchivedSeries[]>
}

/** The archive with its upkeep, for the monitor's flush loop. */
export interface HistoryArchive extends RecordingArchive {
  /** Writes buffered samples and brings the minute and hour aggregates up to date. */
  flush(): Promise<void>
  /** Whether samples wait to be written. */
  readonly pending: boolean
}

/** Buffered samples beyond this are dropped (oldest first) while the database refuses writes. */
const MAX_PENDING = 1_000_000

const ceilTo = (t: number, step: number) => Math.ceil(t / step) * step

/** Builds a {@link HistoryArchive} on the store. */
export function createHistoryArchive(ctx: {
  store: MonitorHistoryStore
  options: ResolvedHistoryOptions
  now: () => number
  logger: Logger
}): HistoryArchive {
  const { store, options } = ctx
  let buffer: HistoryPoint[] = []
  /** Hours before this have their aggregates (in this process's view). */
  let hoursDoneTo: number | undefined
  let chain: Promise<void> = Promise.resolve()

  const writeBatch = async (points: HistoryPoint[]) => {
    let minT = Number.POSITIVE_INFINITY
    let maxT = Number.NEGATIVE_INFINITY
    for (const p of points) {
      if (p.t < minT) minT = p.t
      if (p.t > maxT) maxT = p.t
    }
    await store.appendHistory(points)
    await store.downsampleHistory(
      0,
      MINUTE_MS,
      bucketStart(minT, MINUTE_MS),
      bucketStart(maxT, MINUTE_MS) + MINUTE_MS,
    )
    // hour aggregates only for complete hours (reads use minutes for the recent ones)
    const firstHour = bucketStart(minT, HOUR_MS)
    const from = hoursDoneTo === undefined ? firstHour : Math.min(hoursDoneTo, firstHour)
    const to = bucketStart(ctx.now(), HOUR_MS)
    if (to > from) await store.downsampleHistory(MINUTE_MS, HOUR_MS, from, to)
    hoursDoneTo = Math.max(from, to)
  }

  const flush = () => {
    const run = chain.then(async () => {
      if (buffer.length === 0) return
      const points = buffer
      buffer = []
      try {
        await writeBatch(points)
      } catch (error) {
        buffer = points.concat(buffer).slice(-MAX_PENDING)
        throw error
      }
    })
    chain = run.catch((error: unknown) =>
      ctx.logger.warn({ err: error }, 'recording history: writing failed; retrying'),
    )
    return run
  }

  const segments = (from: number, to: number): HistorySegment[] => {
    const now = ctx.now()
    const rawCut = ceilTo(now - options.rawMs, MINUTE_MS)
    const minuteCut = ceilTo(now - options.minutesMs, HOUR_MS)
    const end = to + 1
    const out: HistorySegment[] = []
    const add = (stepMs: HistorySegment['stepMs'], a: number, b: number) => {
      if (b > a) out.push({ stepMs, from: a, to: b })
    }
    add(HOUR_MS, bucketStart(from, HOUR_MS), Math.min(end, minuteCut))
    add(MINUTE_MS, Math.max(bucketStart(from, MINUTE_MS), minuteCut), Math.min(end, rawCut))
    add(0, Math.max(from, rawCut), end)
    return out
  }

  return {
    record(metric, labels, t, value) {
      buffer.push({ metric, labels, t, value })
      if (buffer.length > MAX_PENDING) buffer.splice(0, buffer.length - MAX_PENDING)
    },
    get pending() {
      return buffer.length > 0
    },
    flush,
    async read(metric, from, to) {
      await flush().catch(() => undefined)
      // the store returns buckets by series then start, one labels object per series
      const out: ArchivedSeries[] = []
      let current: ArchivedSeries | undefined
      for (const bucket of await store.readHistory(metric, segments(from, to))) {
        if (current?.labels !== bucket.labels) {
          current = { labels: bucket.labels, buckets: [] }
          out.push(current)
        }
        current.buckets.push(bucket)
      }
      return out
    },
  }
}
