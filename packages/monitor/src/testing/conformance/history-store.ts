import type { StoreConformanceCase } from '@opskit/core/testing'
import { expect } from 'vitest'
import { HOUR_MS, MINUTE_MS } from '../../store/history-store.js'
import type { MonitorStore } from '../../store/monitor-store.js'

const T0 = Date.UTC(2026, 0, 1)

/** Conformance of the persisted history: SLO counts per minute and hour, recording rules' buckets. */
export const historyStoreCases: ReadonlyArray<StoreConformanceCase<MonitorStore>> = [
  {
    name: 'history: SLO counts are set per instance and minute, summed over instances on read',
    async run({ store }) {
      await store.writeSloCounts([
        { slo: 'api', instance: 'a', minute: T0, good: 10, total: 12 },
        { slo: 'api', instance: 'b', minute: T0, good: 5, total: 5 },
        { slo: 'web', instance: 'a', minute: T0, good: 1, total: 1 },
      ])
      // a retried or later write of the same minute replaces, never adds
      await store.writeSloCounts([{ slo: 'api', instance: 'a', minute: T0, good: 11, total: 13 }])
      await store.writeSloCounts([{ slo: 'api', instance: 'a', minute: T0, good: 11, total: 13 }])
      await store.writeSloCounts([
        { slo: 'api', instance: 'a', minute: T0 + MINUTE_MS, good: 0.5, total: 1.5 },
      ])
      expect(await store.readSloCounts('api', T0, T0 + HOUR_MS)).toEqual([
        { start: T0, stepMs: MINUTE_MS, good: 16, total: 18 },
        { start: T0 + MINUTE_MS, stepMs: MINUTE_MS, good: 0.5, total: 1.5 },
      ])
      expect(await store.readSloCounts('api', T0 + MINUTE_MS, T0 + HOUR_MS)).toHaveLength(1)
    },
  },
  {
    name: 'history: rolling minutes up into hours moves each minute once and adds to the hour',
    async run({ store }) {
      const row = (minute: number, good: number) => ({
        slo: 'api',
        instance: 'a',
        minute,
        good,
        total: good + 1,
      })
      await store.writeSloCounts([row(T0, 1), row(T0 + 59 * MINUTE_MS, 2), row(T0 + HOUR_MS, 4)])
      await store.rollUpSloCounts(T0 + HOUR_MS)
      await store.rollUpSloCounts(T0 + HOUR_MS)
      // a late minute of an hour already rolled up is added, not overwriting it
      await store.writeSloCounts([row(T0 + 30 * MINUTE_MS, 8)])
      await Promise.all([store.rollUpSloCounts(T0 + HOUR_MS), store.rollUpSloCounts(T0 + HOUR_MS)])
      expect(await store.readSloCounts('api', T0, T0 + 2 * HOUR_MS)).toEqual([
        { start: T0, stepMs: HOUR_MS, good: 11, total: 14 },
        { start: T0 + HOUR_MS, stepMs: MINUTE_MS, good: 4, total: 5 },
      ])
      await store.pruneHistory({ rawBefore: 0, minuteBefore: 0, hourBefore: 0, sloHourBefore: T0 + HOUR_MS })
      expect(await store.readSloCounts('api', T0, T0 + 2 * HOUR_MS)).toHaveLength(1)
    },
  },
  {
    name: 'history: a point at a bucket edge lands in exactly one bucket of each resolution',
    async run({ store }) {
      const at = (t: number, value: number) => ({ metric: 'job:x', labels: { job: 'a' }, t: T0 + t, value })
      await store.appendHistory([
        at(0, 1),
        at(MINUTE_MS - 1, 2),
        at(MINUTE_MS, 3),
        at(2 * MINUTE_MS - 1, 4),
        at(HOUR_MS - 1, 5),
        at(HOUR_MS, 6),
        { metric: 'job:x', labels: { job: 'b' }, t: T0, value: -1 },
        { metric: 'other', labels: {}, t: T0, value: 9 },
      ])
      await store.downsampleHistory(0, MINUTE_MS, T0, T0 + 2 * HOUR_MS)
      await store.downsampleHistory(0, MINUTE_MS, T0, T0 + 2 * HOUR_MS)
      await store.downsampleHistory(MINUTE_MS, HOUR_MS, T0, T0 + 2 * HOUR_MS)
      const minutes = await store.readHistory('job:x', [
        { stepMs: MINUTE_MS, from: T0, to: T0 + 2 * HOUR_MS },
      ])
      const a = minutes.filter((b) => b.labels.job === 'a')
      expect(a.map((b) => [b.start - T0, b.count, b.sum, b.min, b.max, b.last, b.lastAt - T0])).toEqual([
        [0, 2, 3, 1, 2, 2, MINUTE_MS - 1],
        [MINUTE_MS, 2, 7, 3, 4, 4, 2 * MINUTE_MS - 1],
        [59 * MINUTE_MS, 1, 5, 5, 5, 5, HOUR_MS - 1],
        [HOUR_MS, 1, 6, 6, 6, 6, HOUR_MS],
      ])
      expect(minutes.find((b) => b.labels.job === 'b')).toMatchObject({ start: T0, last: -1, count: 1 })
      const hours = await store.readHistory('job:x', [{ stepMs: HOUR_MS, from: T0, to: T0 + 2 * HOUR_MS }])
      expect(hours.map((b) => [b.labels.job, b.start - T0, b.count, b.sum, b.min, b.max, b.last])).toEqual([
        ['a', 0, 5, 15, 1, 5, 5],
        ['a', HOUR_MS, 1, 6, 6, 6, 6],
        ['b', 0, 1, -1, -1, -1, -1],
      ])
      const raw = await store.readHistory('job:x', [
        { stepMs: 0, from: T0 + MINUTE_MS, to: T0 + 2 * MINUTE_MS },
        { stepMs: HOUR_MS, from: T0 + HOUR_MS, to: T0 + 2 * HOUR_MS },
      ])
      expect(raw.map((b) => [b.stepMs, b.start - T0, b.last])).toEqual([
        [0, MINUTE_MS, 3],
        [0, 2 * MINUTE_MS - 1, 4],
        [HOUR_MS, HOUR_MS, 6],
      ])
      await store.pruneHistory({
        rawBefore: T0 + HOUR_MS,
        minuteBefore: T0 + HOUR_MS,
        hourBefore: T0,
        sloHourBefore: 0,
      })
      const left = await store.readHistory('job:x', [
        { stepMs: 0, from: 0, to: T0 + 2 * HOUR_MS },
        { stepMs: MINUTE_MS, from: 0, to: T0 + 2 * HOUR_MS },
        { stepMs: HOUR_MS, from: 0, to: T0 + 2 * HOUR_MS },
      ])
      const order = (b: { labels: Record<string, string>; stepMs: number; start: number }) =>
        `${b.labels.job}/${b.stepMs}/${b.start}`
      left.sort((x, y) => (order(x) < order(y) ? -1 : 1))
      expect(left.map((b) => [b.labels.job, b.stepMs, b.start - T0])).toEqual([
        ['a', 0, HOUR_MS],
        ['a', HOUR_MS, 0],
        ['a', HOUR_MS, HOUR_MS],
        ['a', MINUTE_MS, HOUR_MS],
        ['b', HOUR_MS, 0],
      ])
    },
  },
  {
    name: 'history: counts and buckets are visible to another store on the same data',
    needs: 'reopen',
    async run({ store, reopen }) {
      await store.writeSloCounts([{ slo: 'api', instance: 'a', minute: T0, good: 3, total: 4 }])
      await store.appendHistory([{ metric: 'job:x', labels: { le: '+Inf', job: 'é"' }, t: T0, value: 0.25 }])
      const other = await reopen()
      expect(await other.readSloCounts('api', T0, T0 + 1)).toEqual([
        { start: T0, stepMs: MINUTE_MS, good: 3, total: 4 },
      ])
      expect(await other.readHistory('job:x', [{ stepMs: 0, from: T0, to: T0 + 1 }])).toEqual([
        {
          labels: { job: 'é"', le: '+Inf' },
          stepMs: 0,
          start: T0,
          last: 0.25,
          lastAt: T0,
          min: 0.25,
          max: 0.25,
          sum: 0.25,
          count: 1,
        },
      ])
    },
  },
]
