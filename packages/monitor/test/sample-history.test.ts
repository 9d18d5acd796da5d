import { isOpskitError } from '@opskit/core'
import { createFakeClock } from '@opskit/core/testing'
import { describe, expect, it } from 'vitest'
import { createPushSampleSource, createRuleEngine, type QueryValue } from '../src/index.js'

const T0 = Date.UTC(2026, 0, 1)
const MIN = 60_000

function engineWithoutSource(retentionMs?: number) {
  return createRuleEngine({
    source: { collect: () => [] },
    clock: createFakeClock(T0),
    sink: () => undefined,
    ...(retentionMs !== undefined ? { retentionMs } : {}),
  })
}

/** The elements of a query result as `labels → value`, sorted. */
function elements(value: QueryValue): Array<[string, number]> {
  if (value.kind === 'scalar') return [['scalar', value.value]]
  return value.elements.map((e) => [JSON.stringify(e.labels), e.value] as [string, number]).sort()
}

describe('samples with their own timestamps and queries at any time', () => {
  it('an instant read takes each series’ latest sample in (t − 5m, t]', () => {
    const engine = engineWithoutSource()
    engine.append([
      { name: 'up', labels: { job: 'a' }, value: 1, timestamp: T0 },
      { name: 'up', labels: { job: 'a' }, value: 0, timestamp: T0 + 2 * MIN },
      { name: 'up', labels: { job: 'b' }, value: 1, timestamp: T0 + MIN },
    ])
    expect(elements(engine.query('up', { at: T0 - 1 }))).toEqual([])
    expect(elements(engine.query('up', { at: T0 }))).toEqual([['{"job":"a"}', 1]])
    expect(elements(engine.query('up', { at: T0 + MIN + 30_000 }))).toEqual([
      ['{"job":"a"}', 1],
      ['{"job":"b"}', 1],
    ])
    expect(elements(engine.query('up', { at: T0 + 2 * MIN }))).toEqual([
      ['{"job":"a"}', 0],
      ['{"job":"b"}', 1],
    ])
    // b's sample at T0+1m is exactly 5m old at T0+6m: left-open, so gone (Prometheus 3)
    expect(elements(engine.query('up', { at: T0 + 6 * MIN - 1 }))).toEqual([
      ['{"job":"a"}', 0],
      ['{"job":"b"}', 1],
    ])
    expect(elements(engine.query('up', { at: T0 + 6 * MIN }))).toEqual([['{"job":"a"}', 0]])
  })

  it('a staleness marker ends a series until its next sample; samples may arrive out of order', () => {
    const engine = engineWithoutSource()
    engine.append([
      { name: 'g', labels: {}, value: 3, timestamp: T0 + 2 * MIN },
      { name: 'g', labels: {}, value: 1, timestamp: T0 },
      { name: 'g', labels: {}, value: 0, timestamp: T0 + MIN, stale: true },
    ])
    expect(elements(engine.query('g', { at: T0 + 30_000 }))).toEqual([['{}', 1]])
    expect(elements(engine.query('g', { at: T0 + MIN + 1 }))).toEqual([])
    expect(elements(engine.query('g', { at: T0 + 2 * MIN }))).toEqual([['{}', 3]])
    // a marker is not a sample for range functions
    expect(elements(engine.query('count_over_time(g[10m])', { at: T0 + 3 * MIN }))).toEqual([['{}', 2]])
  })

  it('range functions read the backfilled window ending at `at`', () => {
    const engine = engineWithoutSource()
    const counter = Array.from({ length: 21 }, (_, i) => ({
      name: 'requests_total',
      labels: { route: '/a' },
      value: 60 * i,
      timestamp: T0 + i * MIN,
    }))
    engine.append(counter)
    // 60 per minute: 1/s wherever the window lies inside the data
    for (const minute of [5, 12, 20])
      expect(elements(engine.query('rate(requests_total[5m])', { at: T0 + minute * MIN }))).toEqual([
        ['{"route":"/a"}', 1],
      ])
    expect(elements(engine.query('increase(requests_total[10m])', { at: T0 + 20 * MIN }))).toEqual([
      ['{"route":"/a"}', 600],
    ])
  })

  it('a series missing from the next collection is stale at once; evaluations and queries share the history', async () => {
    const source = createPushSampleSource()
    const engine = createRuleEngine({ source, clock: createFakeClock(T0), sink: () => undefined })
    source.set('queue_depth', { queue: 'mail' }, 10)
    source.set('queue_depth', { queue: 'sms' }, 20)
    await engine.evaluate(T0)
    source.remove('queue_depth', { queue: 'sms' })
    await engine.evaluate(T0 + 30_000)
    expect(elements(engine.query('queue_depth', { at: T0 + 30_000 }))).toEqual([['{"queue":"mail"}', 10]])
    // at the first evaluation's time both were there
    expect(elements(engine.query('sum(queue_depth)', { at: T0 }))).toEqual([['{}', 30]])
    // without `at`: the last evaluation's time
    expect(elements(engine.query('sum(queue_depth)'))).toEqual([['{}', 10]])
  })

  it('collections with fresh label objects each time (as a registry gives) still find vanished and new series', async () => {
    // the same number of series in each collection, one swapped for another at the same position
    const collections = [
      [
        { queue: 'mail', value: 1 },
        { queue: 'sms', value: 2 },
      ],
      [
        { queue: 'mail', value: 3 },
        { queue: 'sms', value: 4 },
      ],
      [
        { queue: 'mail', value: 5 },
        { queue: 'push', value: 6 },
      ],
      [
        { queue: 'push', value: 7 },
        { queue: 'mail', value: 8 },
      ],
    ]
    let round = 0
    const source = {
      collect: () =>
        (collections[round] ?? []).map(({ queue, value }) => ({ name: 'q', labels: { queue }, value })),
    }
    const engine = createRuleEngine({ source, clock: createFakeClock(T0), sink: () => undefined })
    for (round = 0; round < collections.length; round++) await engine.evaluate(T0 + round * MIN)
    expect(elements(engine.query('q', { at: T0 + MIN }))).toEqual([
      ['{"queue":"mail"}', 3],
      ['{"queue":"sms"}', 4],
    ])
    // sms vanished at the third collection: stale there, not carried on by the lookback
    expect(elements(engine.query('q', { at: T0 + 2 * MIN }))).toEqual([
      ['{"queue":"mail"}', 5],
      ['{"queue":"push"}', 6],
    ])
    expect(elements(engine.query('q', { at: T0 + 3 * MIN }))).toEqual([
      ['{"queue":"mail"}', 8],
      ['{"queue":"push"}', 7],
    ])
    expect(elements(engine.query('count_over_time(q[10m])', { at: T0 + 3 * MIN }))).toEqual([
      ['{"queue":"mail"}', 4],
      ['{"queue":"push"}', 2],
      ['{"queue":"sms"}', 2],
    ])
  })

  it('an alert rule evaluated over replayed samples goes pending, then firing after `for`', async () => {
    const engine = engineWithoutSource()
    engine.addRule({ name: 'Down', expr: 'up == 0', for: '2m', labels: { severity: 'page' } })
    engine.append(
      [1, 0, 0, 0, 0].map((value, i) => ({
        name: 'up',
        labels: { job: 'a' },
        value,
        timestamp: T0 + i * MIN,
      })),
    )
    const states: string[] = []
    for (let i = 0; i < 5; i++) {
      await engine.evaluate(T0 + i * MIN)
      states.push(engine.instances()[0]?.state ?? 'none')
    }
    expect(states).toEqual(['none', 'pending', 'pending', 'firing', 'firing'])
  })

  it('recording rules store their result for later rules of the same evaluation and for queries', async () => {
    const engine = engineWithoutSource(Number.POSITIVE_INFINITY)
    engine.addRecordingRule({
      record: 'job:errors:sum',
      expr: 'sum by (job) (errors)',
      labels: { team: 'ops' },
    })
    engine.addRule({ name: 'ManyErrors', expr: 'job:errors:sum > 5' })
    engine.append([
      { name: 'errors', labels: { job: 'a', i: '1' }, value: 4, timestamp: T0 },
      { name: 'errors', labels: { job: 'a', i: '2' }, value: 3, timestamp: T0 },
      { name: 'errors', labels: { job: 'b', i: '1' }, value: 1, timestamp: T0 },
    ])
    await engine.evaluate(T0)
    expect(engine.instances().map((i) => i.labels)).toEqual([
      { job: 'a', team: 'ops', alertname: 'ManyErrors' },
    ])
    expect(elements(engine.query('job:errors:sum', { at: T0 }))).toEqual([
      ['{"job":"a","team":"ops"}', 7],
      ['{"job":"b","team":"ops"}', 1],
    ])
    // b's errors series ends: the recorded b series is marked stale at the next evaluation
    engine.append([
      { name: 'errors', labels: { job: 'b', i: '1' }, value: 0, timestamp: T0 + MIN, stale: true },
    ])
    await engine.evaluate(T0 + MIN)
    expect(elements(engine.query('job:errors:sum', { at: T0 + MIN }))).toEqual([
      ['{"job":"a","team":"ops"}', 7],
    ])
    expect(engine.rules().map((r) => [r.name, r.health])).toEqual([
      ['job:errors:sum', 'ok'],
      ['ManyErrors', 'ok'],
    ])
  })

  it('ALERTS series are written when a rule or retain() reads them, or history is kept', async () => {
    const run = async (setup: (e: ReturnType<typeof engineWithoutSource>) => void, retentionMs?: number) => {
      const engine = engineWithoutSource(retentionMs)
      engine.addRule({ name: 'Down', expr: 'up == 0', for: '1m' })
      setup(engine)
      engine.append(
        [0, 0].map((value, i) => ({ name: 'up', labels: { job: 'a' }, value, timestamp: T0 + i * MIN })),
      )
      await engine.evaluate(T0)
      await engine.evaluate(T0 + MIN)
      return elements(engine.query('sum by (alertstate) (ALERTS)', { at: T0 + MIN }))
    }
    // nothing reads them: not written (the evaluation stays as cheap as before)
    expect(await run(() => undefined)).toEqual([])
    const firing = [['{"alertstate":"firing"}', 1]]
    expect(await run((e) => e.addRule({ name: 'Never', expr: 'ALERTS{alertname="Other"}' }))).toEqual(firing)
    expect(await run((e) => e.retain('ALERTS', 10 * MIN))).toEqual(firing)
    expect(await run(() => undefined, Number.POSITIVE_INFINITY)).toEqual(firing)
  })

  it('several alert rules may share a name when their ids differ', async () => {
    const engine = engineWithoutSource()
    engine.addRule({ id: 'warn', name: 'High', expr: 'x > 1', labels: { severity: 'warning' } })
    engine.addRule({ id: 'crit', name: 'High', expr: 'x > 5', labels: { severity: 'critical' } })
    engine.append([{ name: 'x', labels: {}, value: 9, timestamp: T0 }])
    await engine.evaluate(T0)
    expect(engine.instances().map((i) => [i.rule, i.labels.severity])).toEqual([
      ['warn', 'warning'],
      ['crit', 'critical'],
    ])
  })

  it('history older than the retention goes at the next evaluation', async () => {
    const engine = engineWithoutSource(10 * MIN)
    engine.append([{ name: 'x', labels: {}, value: 1, timestamp: T0 }])
    await engine.evaluate(T0 + 10 * MIN - 1)
    expect(elements(engine.query('count_over_time(x[1h])', { at: T0 + MIN }))).toEqual([['{}', 1]])
    await engine.evaluate(T0 + 10 * MIN)
    // the samples are gone, and a query reaching back there says so (it no longer answers [])
    expect(() => engine.query('count_over_time(x[1h])', { at: T0 + MIN })).toThrowError(
      expect.objectContaining({
        code: 'MONITOR_HISTORY_UNAVAILABLE',
        details: { metric: 'x', availableFrom: T0 },
      }),
    )
  })

  it('rejects a malformed sample with MONITOR_INVALID_SAMPLE and keeps nothing of it', () => {
    const engine = engineWithoutSource()
    for (const bad of [
      { name: 'bad name', labels: {}, value: 1, timestamp: T0 },
      { name: 'x', labels: { __name__: 'y' }, value: 1, timestamp: T0 },
      { name: 'x', labels: {}, value: '1', timestamp: T0 },
      { name: 'x', labels: {}, value: 1, timestamp: Number.NaN },
    ]) {
      let error: unknown
      try {
        engine.append([bad as never])
      } catch (e) {
        error = e
      }
      expect(isOpskitError(error, 'MONITOR_INVALID_SAMPLE')).toBe(true)
    }
    expect(elements(engine.query('x', { at: T0 }))).toEqual([])
  })
})
