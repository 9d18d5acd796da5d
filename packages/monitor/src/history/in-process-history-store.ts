import { MonitorError } from '../errors/monitor-error.js'
import type { Labels } from '../labels/labels.js'
import {
  type HistoryBucket,
  type HistoryCuts,
  type HistoryPoint,
  type HistorySegment,
  type HistoryStep,
  HOUR_MS,
  MINUTE_MS,
  type MonitorHistoryStore,
  type SloCountBucket,
  type SloCountRow,
} from '../store/history-store.js'
import { bucketStart } from './buckets.js'
import { seriesText } from './series-text.js'

interface StoredBucket extends Omit<HistoryBucket, 'labels'> {
  series: string
}

/** The value under `key`, made by `create` and stored on first use. */
function entry<K, V>(map: Map<K, V>, key: K, create: () => V): V {
  let value = map.get(key)
  if (value === undefined) {
    value = create()
    map.set(key, value)
  }
  return value
}

/**
 * A {@link MonitorHistoryStore} in the process's memory: what a monitor without a database uses
 * for its SLO counters, and the memory monitor store's history part. `isClosed` refuses calls
 * once the owning store is closed.
 */
export function createInProcessHistoryStore(isClosed: () => boolean = () => false): MonitorHistoryStore {
  const open = () => {
    if (isClosed()) throw new MonitorError('MONITOR_CLOSED', 'the monitor store is closed')
  }
  const slo = createSloCounters()
  const history = createHistoryBuckets()
  return {
    async writeSloCounts(rows) {
      open()
      slo.write(rows)
    },
    async readSloCounts(name, from, to) {
      open()
      return slo.read(name, from, to)
    },
    async rollUpSloCounts(before) {
      open()
      slo.rollUp(before)
    },
    async appendHistory(points) {
      open()
      history.append(points)
    },
    async downsampleHistory(fromStep, toStep, from, to) {
      open()
      history.downsample(fromStep, toStep, from, to)
    },
    async readHistory(metric, segments) {
      open()
      return history.read(metric, segments)
    },
    async pruneHistory(cuts) {
      open()
      history.prune(cuts)
      slo.pruneHours(cuts.sloHourBefore)
    },
  }
}

/** SLO event counts per instance and minute, rolled up into hour sums. */
function createSloCounters() {
  /** slo → `${minute}\0${instance}` → counts. */
  const minutes = new Map<string, Map<string, { minute: number; good: number; total: number }>>()
  /** slo → hour start → counts summed over instances. */
  const hours = new Map<string, Map<number, { good: number; total: number }>>()
  return {
    write(rows: readonly SloCountRow[]) {
      for (const r of rows)
        entry(minutes, r.slo, () => new Map()).set(`${r.minute}\u0000${r.instance}`, {
          minute: r.minute,
          good: r.good,
          total: r.total,
        })
    },
    read(slo: string, from: number, to: number): SloCountBucket[] {
      const byStart = new Map<number, SloCountBucket>()
      for (const { minute, good, total } of minutes.get(slo)?.values() ?? []) {
        if (minute < from || minute >= to) continue
        const b = entry(byStart, minute, () => ({ start: minute, stepMs: MINUTE_MS, good: 0, total: 0 }))
        b.good += good
        b.total += total
      }
      const out = [...byStart.values()]
      for (const [start, { good, total }] of hours.get(slo) ?? [])
        if (start >= from && start < to) out.push({ start, stepMs: HOUR_MS, good, total })
      return out.sort((a, b) => a.start - b.start)
    },
    rollUp(before: number) {
      for (const [slo, m] of minutes) {
        for (const [key, { minute, good, total }] of m) {
          if (minute >= before) continue
          m.delete(key)
          const h = entry(hours, slo, () => new Map())
          const start = bucketStart(minute, HOUR_MS)
          const sum = h.get(start) ?? { good: 0, total: 0 }
          h.set(start, { good: sum.good + good, total: sum.total + total })
        }
      }
    },
    pruneHours(before: number) {
      for (const h of hours.values()) for (const start of h.keys()) if (start < before) h.delete(start)
    },
  }
}

/** Recording-rule results: raw samples and their minute and hour aggregates, per metric and step. */
function createHistoryBuckets() {
  /** `${metric}\0${step}` → `${series}\0${start}` → bucket. */
  const buckets = new Map<string, Map<string, StoredBucket>>()
  const level = (metric: string, step: HistoryStep) =>
    entry(buckets, `${metric}\u0000${step}`, () => new Map<string, StoredBucket>())
  const metricsOf = () => new Set([...buckets.keys()].map((k) => k.split('\u0000')[0] as string))
  return {
    append(points: readonly HistoryPoint[]) {
      for (const p of points) {
        if (Number.isNaN(p.value)) continue
        const series = seriesText(p.labels)
        const v = p.value
        level(p.metric, 0).set(`${series}\u0000${p.t}`, {
          series,
          stepMs: 0,
          start: p.t,
          last: v,
          lastAt: p.t,
          min: v,
          max: v,
          sum: v,
          count: 1,
        })
      }
    },
    downsample(
      fromStep: 0 | typeof MINUTE_MS,
      toStep: typeof MINUTE_MS | typeof HOUR_MS,
      from: number,
      to: number,
    ) {
      for (const metric of metricsOf()) {
        const target = level(metric, toStep)
        const fresh = new Map<string, StoredBucket>()
        for (const b of level(metric, fromStep).values()) {
          if (b.start < from || b.start >= to) continue
          const start = bucketStart(b.start, toStep)
          const key = `${b.series}\u0000${start}`
          const agg = fresh.get(key)
          if (agg) addInto(agg, b)
          else fresh.set(key, { ...b, stepMs: toStep, start })
        }
        for (const [key, b] of fresh) target.set(key, b)
      }
    },
    read(metric: string, segments: readonly HistorySegment[]): HistoryBucket[] {
      const out: Array<StoredBucket> = []
      for (const s of segments)
        for (const b of level(metric, s.stepMs).values()) if (b.start >= s.from && b.start < s.to) out.push(b)
      out.sort((a, b) => (a.series < b.series ? -1 : a.series > b.series ? 1 : a.start - b.start))
      const labelsOf = new Map<string, Labels>()
      return out.map(({ series, ...b }) => ({
        ...b,
        labels: entry(labelsOf, series, () => JSON.parse(series) as Labels),
      }))
    },
    prune(cuts: HistoryCuts) {
      const cut: Record<HistoryStep, number> = {
        0: cuts.rawBefore,
        [MINUTE_MS]: cuts.minuteBefore,
        [HOUR_MS]: cuts.hourBefore,
      }
      for (const [key, m] of buckets) {
        const step = Number(key.split('\u0000')[1]) as HistoryStep
        for (const [k, b] of m) if (b.start < cut[step]) m.delete(k)
      }
    },
  }
}

/** Adds bucket `b` into the aggregate `agg` of the same series and coarser step. */
function addInto(agg: StoredBucket, b: StoredBucket): void {
  if (b.lastAt > agg.lastAt) {
    agg.last = b.last
    agg.lastAt = b.lastAt
  }
  agg.min = Math.min(agg.min, b.min)
  agg.max = Math.max(agg.max, b.max)
  agg.sum += b.sum
  agg.count += b.count
}
