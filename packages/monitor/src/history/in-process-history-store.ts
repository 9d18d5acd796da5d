import { MonitorError } from '../errors/monitor-error.js'
import type { Labels } from '../labels/labels.js'
import {
  type HistoryBucket,
  type HistoryStep,
  HOUR_MS,
  MINUTE_MS,
  type MonitorHistoryStore,
  type SloCountBucket,
} from '../store/history-store.js'
import { seriesText } from './series-text.js'

interface StoredBucket extends Omit<HistoryBucket, 'labels'> {
  series: string
}

/** Starts of the `step` buckets that `t` falls in: `[start, start + step)`. */
export function bucketStart(t: number, stepMs: number): number {
  return Math.floor(t / stepMs) * stepMs
}

/**
 * A {@link MonitorHistoryStore} in the process's memory: what a monitor without a database uses
 * for its SLO counters, and the memory monitor store's history part. `isClosed` refuses calls
 * once the owning store is closed.
 */
export function createInProcessHistoryStore(isClosed: () => boolean = () => false): MonitorHistoryStore {
  /** slo → `${minute}\0${instance}` → counts. */
  const minutes = new Map<string, Map<string, { minute: number; good: number; total: number }>>()
  const hours = new Map<string, Map<number, { good: number; total: number }>>()
  /** `${metric}\0${step}` → `${series}\0${start}` → bucket. */
  const buckets = new Map<string, Map<string, StoredBucket>>()
  const open = () => {
    if (isClosed()) throw new MonitorError('MONITOR_CLOSED', 'the monitor store is closed')
  }
  const level = (metric: string, step: HistoryStep) => {
    const key = `${metric}\u0000${step}`
    let m = buckets.get(key)
    if (!m) {
      m = new Map()
      buckets.set(key, m)
    }
    return m
  }
  const metricsOf = () => new Set([...buckets.keys()].map((k) => k.split('\u0000')[0] as string))
  return {
    async writeSloCounts(rows) {
      open()
      for (const r of rows) {
        let m = minutes.get(r.slo)
        if (!m) {
          m = new Map()
          minutes.set(r.slo, m)
        }
        m.set(`${r.minute}\u0000${r.instance}`, { minute: r.minute, good: r.good, total: r.total })
      }
    },
    async readSloCounts(slo, from, to) {
      open()
      const byStart = new Map<number, SloCountBucket>()
      for (const { minute, good, total } of minutes.get(slo)?.values() ?? []) {
        if (minute < from || minute >= to) continue
        const b = byStart.get(minute) ?? { start: minute, stepMs: MINUTE_MS, good: 0, total: 0 }
        b.good += good
        b.total += total
        byStart.set(minute, b)
      }
      const out = [...byStart.values()]
      for (const [start, { good, total }] of hours.get(slo) ?? [])
        if (start >= from && start < to) out.push({ start, stepMs: HOUR_MS, good, total })
      return out.sort((a, b) => a.start - b.start)
    },
    async rollUpSloCounts(before) {
      open()
      for (const [slo, m] of minutes) {
        for (const [key, { minute, good, total }] of m) {
          if (minute >= before) continue
          m.delete(key)
          let h = hours.get(slo)
          if (!h) {
            h = new Map()
            hours.set(slo, h)
          }
          const start = bucketStart(minute, HOUR_MS)
          const sum = h.get(start) ?? { good: 0, total: 0 }
          h.set(start, { good: sum.good + good, total: sum.total + total })
        }
      }
    },
    async appendHistory(points) {
      open()
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
    async downsampleHistory(fromStep, toStep, from, to) {
      open()
      for (const metric of metricsOf()) {
        const target = level(metric, toStep)
        const fresh = new Map<string, StoredBucket>()
        for (const b of level(metric, fromStep).values()) {
          if (b.start < from || b.start >= to) continue
          const start = bucketStart(b.start, toStep)
          const key = `${b.series}\u0000${start}`
          const agg = fresh.get(key)
          if (!agg) {
            fresh.set(key, { ...b, stepMs: toStep, start })
            continue
          }
          if (b.lastAt > agg.lastAt) {
            agg.last = b.last
            agg.lastAt = b.lastAt
          }
          agg.min = Math.min(agg.min, b.min)
          agg.max = Math.max(agg.max, b.max)
          agg.sum += b.sum
          agg.count += b.count
        }
        for (const [key, b] of fresh) target.set(key, b)
      }
    },
    async readHistory(metric, segments) {
      open()
      const out: Array<StoredBucket> = []
      for (const s of segments)
        for (const b of level(metric, s.stepMs).values()) if (b.start >= s.from && b.start < s.to) out.push(b)
      out.sort((a, b) => (a.series < b.series ? -1 : a.series > b.series ? 1 : a.start - b.start))
      const labelsOf = new Map<string, Labels>()
      return out.map(({ series, ...b }) => {
        let labels = labelsOf.get(series)
        if (!labels) {
          labels = JSON.parse(series) as Labels
          labelsOf.set(series, labels)
        }
        return { ...b, labels }
      })
    },
    async pruneHistory(cuts) {
      open()
      const cut: Record<HistoryStep, number> = {
        0: cuts.rawBefore,
        [MINUTE_MS]: cuts.minuteBefore,
        [HOUR_MS]: cuts.hourBefore,
      }
      for (const [key, m] of buckets) {
        const step = Number(key.split('\u0000')[1]) as HistoryStep
        for (const [k, b] of m) if (b.start < cut[step]) m.delete(k)
      }
      for (const h of hours.values())
        for (const start of h.keys()) if (start < cuts.sloHourBefore) h.delete(start)
    },
  }
}
