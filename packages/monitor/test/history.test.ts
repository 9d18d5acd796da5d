import { noopLogger } from '@opskit/core'
import { createFakeClock } from '@opskit/core/testing'
import { forEachDialect } from '@opskit/test-support'
import { afterEach, describe, expect, it } from 'vitest'
import { grafanaQuery } from '../src/grafana/grafana-query.js'
import { resolveHistoryOptions } from '../src/history/history-options.js'
import { createMonitorHistory } from '../src/history/monitor-history.js'
import {
  createKyselyMonitorStore,
  createPushSampleSource,
  createRuleEngine,
  parseExpr,
} from '../src/index.js'
import type { SelectorExpr } from '../src/rules/promql/ast.js'
import type { MonitorStore } from '../src/store/monitor-store.js'

const T0 = Date.UTC(2026, 0, 1)
const HOUR = 3_600_000
const DAY = 24 * HOUR

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

const spec = {
  name: 'api',
  good: parseExpr('requests_total{code!~"5.."}') as SelectorExpr,
  total: parseExpr('requests_total') as SelectorExpr,
}

forEachDialect('persisted history', (ctx) => {
  let n = 0
  const stores = async (): Promise<[MonitorStore, MonitorStore]> => {
    const tablePrefix = `h${++n}_`
    const a = await createKyselyMonitorStore({ db: ctx.db(), tablePrefix })
    const b = await createKyselyMonitorStore({ db: ctx.openAnother(), tablePrefix })
    return [a, b]
  }

  it('two instances on one database: every event counted once, however often each writes', async () => {
    const [storeA, storeB] = await stores()
    const clock = createFakeClock(T0 + 10_000)
    const instance = (id: string, store: MonitorStore) => {
      const source = createPushSampleSource()
      const history = createMonitorHistory({
        store,
        persisted: true,
        options: resolveHistoryOptions({}),
        clock,
        logger: noopLogger,
        instance: id,
        collect: async () => source.collect(),
      })
      history.slo.track(spec)
      cleanups.push(() => history.close())
      return { source, history }
    }
    const a = instance('a', storeA)
    const b = instance('b', storeB)
    a.source.set('requests_total', { code: '200' }, 100)
    a.source.set('requests_total', { code: '500' }, 1)
    b.source.set('requests_total', { code: '200' }, 50)
    // each writes several times in the minute (flush loop, reports, retries): rows are replaced
    await Promise.all([a.history.slo.sync(), b.history.slo.sync(), a.history.slo.sync()])
    await b.history.slo.sync()
    await clock.advance(30_000)
    a.source.set('requests_total', { code: '200' }, 150)
    b.source.set('requests_total', { code: '200' }, 20) // a reset: the new value is all new events
    await Promise.all([a.history.slo.sync(), b.history.slo.sync()])
    await clock.advance(60_000)
    a.source.set('requests_total', { code: '500' }, 3)
    await Promise.all([a.history.slo.sync(), b.history.slo.sync(), a.history.slo.sync()])
    const expected = { good: 150 + 50 + 20, total: 150 + 3 + 50 + 20 }
    const sum = (buckets: Array<{ good: number; total: number }>) =>
      buckets.reduce((s, x) => ({ good: s.good + x.good, total: s.total + x.total }), { good: 0, total: 0 })
    expect(sum(await a.history.slo.counts('api', 0, T0 + DAY))).toEqual(expected)
    expect(sum(await b.history.slo.counts('api', 0, T0 + DAY))).toEqual(expected)
    // both roll up at once, hours later: still counted once
    // (SQLite: one after the other — two connections of one thread cannot wait for each other)
    if (ctx.dialect === 'postgres')
      await Promise.all([storeA.rollUpSloCounts(T0 + HOUR), storeB.rollUpSloCounts(T0 + HOUR)])
    else for (const store of [storeA, storeB]) await store.rollUpSloCounts(T0 + HOUR)
    const rolled = await b.history.slo.counts('api', 0, T0 + DAY)
    expect(rolled).toEqual([{ start: T0, stepMs: HOUR, ...expected }])
  })

  it('a Grafana query over 30 days of per-hour history answers each bucket', async () => {
    const [store] = await stores()
    const end = T0 + 30 * DAY
    const clock = createFakeClock(end)
    const history = createMonitorHistory({
      store,
      persisted: true,
      options: resolveHistoryOptions({}),
      clock,
      logger: noopLogger,
      instance: 'a',
      collect: async () => [],
    })
    const archive = history.archive
    if (!archive) throw new Error('expected an archive')
    const engine = createRuleEngine({ source: { collect: () => [] }, clock, sink: () => undefined })
    engine.addRecordingRule({ record: 'job:load', expr: 'sum(load)' })
    engine.useArchive(archive)
    // two series, a point every 10 minutes for 30 days, values an independent function of time
    const value = (job: string, t: number) => ((t / 600_000) % 17) + (job === 'b' ? 100 : 0)
    const points: Array<[string, number]> = []
    for (let t = T0; t <= end; t += 600_000) for (const job of ['a', 'b']) points.push([job, t])
    for (const [job, t] of points) archive.record('job:load', { job }, t, value(job, t))
    await archive.flush()
    const grafana = { engine, incidents: () => [], alerts: () => [] }
    const answer = (await grafanaQuery(grafana, {
      range: { from: new Date(T0).toISOString(), to: new Date(end).toISOString() },
      maxDataPoints: 1_000_000,
      targets: [{ target: 'job:load{job="b"}', refId: 'A', payload: { aggregate: 'max' } }],
    })) as Array<{ target: string; datapoints: Array<[number, number]> }>
    expect(answer.map((s) => s.target)).toEqual(['{job="b"}'])
    const datapoints = answer[0]?.datapoints ?? []
    // the oracle: the raw points, grouped by the resolution each part of the range is kept in
    const options = resolveHistoryOptions({})
    const rawCut = Math.ceil((end - options.rawMs) / 60_000) * 60_000
    const minuteCut = Math.ceil((end - options.minutesMs) / HOUR) * HOUR
    const expected = new Map<number, number>()
    for (const [job, t] of points) {
      if (job !== 'b') continue
      const step = t < minuteCut ? HOUR : t < rawCut ? 60_000 : 1
      const start = Math.floor(t / step) * step
      expected.set(start, Math.max(expected.get(start) ?? Number.NEGATIVE_INFINITY, value(job, t)))
    }
    expect(datapoints.length).toBe(expected.size)
    expect(datapoints.length).toBeGreaterThan(23 * 24)
    expect(new Map(datapoints.map(([v, t]) => [t, v]))).toEqual(expected)
    await history.close()
  })
})

describe('without persistence', () => {
  it('a query past the in-memory history is a typed error saying how far back it can answer', async () => {
    const clock = createFakeClock(T0)
    const source = createPushSampleSource()
    const engine = createRuleEngine({ source, clock, sink: () => undefined })
    engine.addRule({ name: 'Busy', expr: 'rate(jobs_total[5m]) > 1' })
    for (let i = 0; i < 20; i++) {
      source.set('jobs_total', {}, i * 60)
      await engine.evaluate()
      await clock.advance(60_000)
    }
    const at = clock.now() - 60_000
    expect(engine.query('rate(jobs_total[5m])', { at }).kind).toBe('vector')
    const old = T0 + 2 * 60_000
    expect(() => engine.query('rate(jobs_total[5m])', { at: old })).toThrowError(
      expect.objectContaining({ code: 'MONITOR_HISTORY_UNAVAILABLE' }),
    )
    const error = await engine.queryHistory('jobs_total', { at: old }).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: 'MONITOR_HISTORY_UNAVAILABLE' })
    const availableFrom = (error as { details: { availableFrom: number } }).details.availableFrom
    expect(availableFrom).toBeGreaterThan(old)
    expect(availableFrom).toBeLessThan(at)
    const grafana = { engine, incidents: () => [], alerts: () => [] }
    const answer = (await grafanaQuery(grafana, {
      range: { from: T0, to: clock.now() },
      targets: [{ target: 'jobs_total', refId: 'A' }],
    })) as Array<{ meta?: { availableFrom: number }; datapoints: Array<[number, number]> }>
    expect(answer[0]?.meta?.availableFrom).toBe(availableFrom)
    expect(answer[0]?.datapoints.length).toBeGreaterThan(0)
  })
})
