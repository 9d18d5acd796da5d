import { createFakeClock } from '@opskit/core/testing'
import { Histogram, Registry } from 'prom-client'
import { describe, expect, it } from 'vitest'
import {
  createPushSampleSource,
  createRuleEngine,
  MonitorError,
  parseExpr,
  registrySampleSource,
} from '../src/index.js'
import { labelsKey } from '../src/labels/labels.js'

const T0 = Date.UTC(2026, 0, 1)

async function valuesOf(expr: string, setup: (s: ReturnType<typeof createPushSampleSource>) => void) {
  const source = createPushSampleSource()
  setup(source)
  const engine = createRuleEngine({ source, clock: createFakeClock(T0), sink: () => undefined })
  engine.addRule({ name: 'R', expr })
  await engine.evaluate(T0)
  return engine
    .instances()
    .map((i) => ({ labels: i.labels, value: i.value }))
    .sort((a, b) => JSON.stringify(a.labels).localeCompare(JSON.stringify(b.labels)))
}

/**
 * Evaluates `rules` every 10 s for five minutes from T0, `feed` setting the samples of second `s`
 * before each evaluation; gives each rule's instance at the end.
 */
async function everyTenSeconds(
  rules: Record<string, string>,
  feed: (source: ReturnType<typeof createPushSampleSource>, s: number) => void,
) {
  const source = createPushSampleSource()
  const engine = createRuleEngine({ source, clock: createFakeClock(T0), sink: () => undefined })
  for (const [name, expr] of Object.entries(rules)) engine.addRule({ name, expr })
  for (let s = 0; s <= 300; s += 10) {
    feed(source, s)
    await engine.evaluate(T0 + s * 1000)
  }
  return (rule: string) => engine.instances().find((i) => i.rule === rule)
}

describe('expression language', () => {
  const load = (s: ReturnType<typeof createPushSampleSource>) => {
    s.set('latency', { route: '/a', method: 'GET' }, 0.2)
    s.set('latency', { route: '/a', method: 'POST' }, 0.6)
    s.set('latency', { route: '/b', method: 'GET' }, 1.5)
    s.set('latency', { route: '/admin', method: 'GET' }, 9)
  }

  it('matchers = != =~ !~ (anchored) and comparisons', async () => {
    expect((await valuesOf('latency{route="/a"} > 0.5', load)).map((x) => x.value)).toEqual([0.6])
    expect((await valuesOf('latency{route!="/a", route!~"/adm.*"} >= 0', load)).map((x) => x.value)).toEqual([
      1.5,
    ])
    expect((await valuesOf('latency{route=~"/a"} < 1', load)).length).toBe(2)
    expect((await valuesOf('latency{route=~"/"} < 100', load)).length).toBe(0)
  })

  it('aggregations by / without and arithmetic', async () => {
    expect(await valuesOf('sum by (route) (latency) > 0', load)).toEqual([
      { labels: { alertname: 'R', route: '/a' }, value: 0.8 },
      { labels: { alertname: 'R', route: '/admin' }, value: 9 },
      { labels: { alertname: 'R', route: '/b' }, value: 1.5 },
    ])
    expect((await valuesOf('avg(latency) > 0', load))[0]?.value).toBeCloseTo(2.825)
    expect((await valuesOf('max without (method) (latency) > 1', load)).map((x) => x.value)).toEqual([9, 1.5])
    expect((await valuesOf('min(latency) * 10 > 1', load))[0]?.value).toBeCloseTo(2)
    expect((await valuesOf('count(latency{method="GET"}) == 3', load))[0]?.value).toBe(3)
    expect(
      (
        await valuesOf('sum(errors) / sum(requests) > 0.01', (s) => {
          s.set('errors', { r: '1' }, 2)
          s.set('requests', { r: '1' }, 100)
        })
      )[0]?.value,
    ).toBeCloseTo(0.02)
  })

  it('stddev, stdvar, group, quantile, topk and bottomk aggregations', async () => {
    const load = (s: ReturnType<typeof createPushSampleSource>) => {
      s.set('load', { i: '1', zone: 'a' }, 1)
      s.set('load', { i: '2', zone: 'a' }, 2)
      s.set('load', { i: '3', zone: 'b' }, 4)
      s.set('load', { i: '4', zone: 'b' }, 8)
    }
    const one = async (expr: string) => (await valuesOf(`${expr} > -1`, load))[0]?.value
    // Mean 3.75; squared deviations 7.5625 + 3.0625 + 0.0625 + 18.0625 = 28.75, over 4.
    expect(await one('stdvar(load)')).toBeCloseTo(7.1875)
    expect(await one('stddev(load)')).toBeCloseTo(Math.sqrt(7.1875))
    // Ranks interpolate: φ × (n − 1) = 1.5 → (2 + 4) / 2; 2.7 → 4 × 0.3 + 8 × 0.7.
    expect(await one('quantile(0.5, load)')).toBeCloseTo(3)
    expect(await one('quantile(0.9, load)')).toBeCloseTo(6.8)
    expect(await one('quantile(2, load)')).toBe(Number.POSITIVE_INFINITY)
    const labelled = async (expr: string) =>
      (await valuesOf(expr, load)).map((e) => [e.labels.i ?? e.labels.zone, e.value])
    expect(await labelled('topk(1, load) by (zone)')).toEqual([
      ['2', 2],
      ['4', 8],
    ])
    expect(await labelled('bottomk(2, load)')).toEqual([
      ['1', 1],
      ['2', 2],
    ])
    expect(await labelled('group by (zone) (load)')).toEqual([
      ['a', 1],
      ['b', 1],
    ])
    expect(() => parseExpr('topk(load)')).toThrow(/topk\(\) takes a number before its vector/)
  })

  it('and / or / unless', async () => {
    const two = (s: ReturnType<typeof createPushSampleSource>) => {
      s.set('a', { x: '1' }, 5)
      s.set('a', { x: '2' }, 5)
      s.set('b', { x: '1' }, 1)
    }
    expect((await valuesOf('a > 1 and b > 0', two)).map((x) => x.labels.x)).toEqual(['1'])
    expect((await valuesOf('a > 1 unless b > 0', two)).map((x) => x.labels.x)).toEqual(['2'])
    expect((await valuesOf('b > 0 or a > 1', two)).map((x) => x.labels.x)).toEqual(['1', '2'])
  })

  describe('vector matching (the examples of the Prometheus documentation)', () => {
    type Source = ReturnType<typeof createPushSampleSource>
    const load = (s: Source) => {
      s.set('errors', { method: 'get', code: '500' }, 24)
      s.set('errors', { method: 'get', code: '404' }, 30)
      s.set('errors', { method: 'put', code: '501' }, 3)
      s.set('errors', { method: 'post', code: '500' }, 6)
      s.set('errors', { method: 'post', code: '404' }, 21)
      s.set('requests', { method: 'get' }, 600)
      s.set('requests', { method: 'del' }, 34)
      s.set('requests', { method: 'post' }, 120)
    }
    /** The rule's elements, without the alertname label the engine adds, in label order. */
    const matched = async (expr: string, setup: (s: Source) => void = load) =>
      (await valuesOf(expr, setup))
        .map(({ labels: { alertname: _name, ...labels }, value }) => ({ labels, value }))
        .sort((a, b) => labelsKey(a.labels).localeCompare(labelsKey(b.labels)))
    /** Why evaluating `expr` failed. */
    const failure = async (expr: string) => {
      const source = createPushSampleSource()
      load(source)
      const engine = createRuleEngine({ source, clock: createFakeClock(T0), sink: () => undefined })
      engine.addRule({ name: 'R', expr })
      await engine.evaluate(T0)
      return engine.rules()[0]?.stateReason
    }

    it('one-to-one with ignoring(…) drops the ignored labels from the result', async () => {
      expect(await matched('errors{code="500"} / ignoring(code) requests > 0')).toEqual([
        { labels: { method: 'get' }, value: 0.04 },
        { labels: { method: 'post' }, value: 0.05 },
      ])
    })

    it('one-to-one with on(…) keeps only the matched labels', async () => {
      expect(await matched('errors{code="404"} / on(method) requests > 0')).toEqual([
        { labels: { method: 'get' }, value: 0.05 },
        { labels: { method: 'post' }, value: 0.175 },
      ])
    })

    it('group_left pairs many left series with one on the right, keeping the left labels', async () => {
      expect(await matched('errors / ignoring(code) group_left requests > 0')).toEqual([
        { labels: { code: '404', method: 'get' }, value: 0.05 },
        { labels: { code: '404', method: 'post' }, value: 0.175 },
        { labels: { code: '500', method: 'get' }, value: 0.04 },
        { labels: { code: '500', method: 'post' }, value: 0.05 },
      ])
    })

    it('group_right is the mirror image, and group labels are copied from the "one" side', async () => {
      expect(await matched('requests / on(method) group_right errors > 0')).toEqual([
        { labels: { code: '404', method: 'get' }, value: 20 },
        { labels: { code: '404', method: 'post' }, value: 120 / 21 },
        { labels: { code: '500', method: 'get' }, value: 25 },
        { labels: { code: '500', method: 'post' }, value: 20 },
      ])
      const withInfo = (s: Source) => {
        load(s)
        s.set('method_info', { method: 'get', owner: 'web' }, 1)
        s.set('method_info', { method: 'post', owner: 'api' }, 1)
      }
      expect(
        await matched('errors{code="500"} * on(method) group_left(owner) method_info > 0', withInfo),
      ).toEqual([
        { labels: { code: '500', method: 'get', owner: 'web' }, value: 24 },
        { labels: { code: '500', method: 'post', owner: 'api' }, value: 6 },
      ])
    })

    it('filters with a comparison, and matches and/unless on the chosen labels', async () => {
      // get: 24 and 30 against 600 / 25 = 24 (strictly greater keeps 30 only); post: against 4.8.
      expect(await matched('errors > ignoring(code) group_left requests / 25')).toEqual([
        { labels: { code: '404', method: 'get' }, value: 30 },
        { labels: { code: '404', method: 'post' }, value: 21 },
        { labels: { code: '500', method: 'post' }, value: 6 },
      ])
      expect((await matched('requests and on(method) errors{code="500"}')).map((e) => e.labels)).toEqual([
        { method: 'get' },
        { method: 'post' },
      ])
      expect((await matched('requests unless on(method) errors')).map((e) => e.labels)).toEqual([
        { method: 'del' },
      ])
    })

    it('bool gives 1 or 0 for every pair instead of filtering', async () => {
      expect(await matched('requests > bool 100')).toEqual([
        { labels: { method: 'del' }, value: 0 },
        { labels: { method: 'get' }, value: 1 },
        { labels: { method: 'post' }, value: 1 },
      ])
      expect(await matched('errors{code="500"} > bool ignoring(code) requests / 25')).toEqual([
        { labels: { method: 'get' }, value: 0 },
        { labels: { method: 'post' }, value: 1 },
      ])
      // Counting the methods that have more than 100 requests, a common use of bool:
      expect((await matched('sum(requests > bool 100) >= 0'))[0]?.value).toBe(2)
      expect(() => parseExpr('requests + bool 1')).toThrow(/bool modifier can only follow a comparison/)
    })

    it('refuses ambiguous matches and misplaced modifiers', async () => {
      expect(await failure('errors / ignoring(code) requests')).toMatch(
        /many-to-one matching must be explicit/,
      )
      expect(await failure('requests / on() group_left errors')).toMatch(/many-to-many matching/)
      expect(() => parseExpr('errors / on(method) 2')).toThrow(
        /vector matching only allowed between instant vectors/,
      )
      expect(() => parseExpr('errors / group_left requests')).toThrow(/need on\(…\) or ignoring/)
      expect(() => parseExpr('a and on(x) group_left b')).toThrow(/no grouping allowed for "and"/)
      expect(() => parseExpr('a / on(x) group_left(x) b')).toThrow(/both matched on and included/)
    })
  })

  it('rate and increase over a window, with counter resets', async () => {
    const clock = createFakeClock(T0)
    const source = createPushSampleSource()
    const engine = createRuleEngine({ source, clock, sink: () => undefined })
    engine.addRule({ name: 'Rate', expr: 'rate(req_total[2m]) > 0' })
    engine.addRule({ name: 'Inc', expr: 'increase(req_total[2m]) > 0' })
    const values = [0, 60, 120, 10]
    for (let i = 0; i < values.length; i++) {
      source.set('req_total', { job: 'a' }, values[i] as number)
      await engine.evaluate(T0 + i * 60_000)
    }
    // Window (T0+60s, T0+180s]: 120@2m and 10@3m (a reset), so 10 counted over 60 s. Prometheus
    // extrapolates to the window's start (60 s away, within 1.1 sample intervals): increase 20,
    // rate 20 / 120 s.
    expect(engine.instances().find((i) => i.rule === 'Inc')?.value).toBeCloseTo(20)
    expect(engine.instances().find((i) => i.rule === 'Rate')?.value).toBeCloseTo(10 / 60)
  })

  it("extrapolates rate and increase to the window's edges as Prometheus does", async () => {
    // One sample every 10 s for 5 minutes; each counter grows by 10 per sample.
    const instance = await everyTenSeconds(
      {
        steady: 'increase(a[1m]) >= 0',
        steadyRate: 'rate(a[1m]) >= 0',
        lateStart: 'increase(b[5m]) >= 0',
        lateStartRate: 'rate(b[5m]) >= 0',
        nearZero: 'increase(c[1m]) >= 0',
        single: 'increase(d[1m]) >= 0',
      },
      (source, s) => {
        source.set('a', {}, 1000 + s)
        if (s >= 240) source.set('b', {}, 3000 + (s - 240))
        if (s >= 250) source.set('c', {}, 5 + (s - 250))
        if (s === 300) source.set('d', {}, 7)
      },
    )
    const value = (rule: string) => instance(rule)?.value
    // (240 s, 300 s]: six samples 10 s apart, 50 counted; the first is 10 s (< 1.1 gaps) from the
    // window's start, so the increase is extrapolated over the whole 60 s: 50 × 60 / 50.
    expect(value('steady')).toBeCloseTo(60)
    expect(value('steadyRate')).toBeCloseTo(1)
    // (0 s, 300 s]: the series starts 240 s into the window, far more than 1.1 gaps, so only half
    // a gap is added before it: 60 × (60 + 5) / 60, and the rate divides by the whole 300 s.
    expect(value('lateStart')).toBeCloseTo(65)
    expect(value('lateStartRate')).toBeCloseTo(65 / 300)
    // Starting at 5 and growing by 1/s, the counter was 0 at 245 s: the start is extrapolated back
    // 5 s, not the full 10 s: 50 × (50 + 5) / 50.
    expect(value('nearZero')).toBeCloseTo(55)
    // One sample is not enough for a rate.
    expect(value('single')).toBeUndefined()
  })

  it('irate, delta, changes, resets, the _over_time family, absent and absent_over_time', async () => {
    const steps: Record<number, number> = { 250: 1, 260: 1, 270: 2, 280: 2, 290: 3, 300: 1 }
    const value = await everyTenSeconds(
      {
        irate: 'irate(a[1m]) > -1000',
        irateReset: 'irate(r[1m]) > -1000',
        delta: 'delta(g[1m]) > -1000',
        changes: 'changes(steps[1m]) > -1000',
        resets: 'resets(steps[1m]) > -1000',
        sum: 'sum_over_time(steps[1m]) > -1000',
        count: 'count_over_time(steps[1m]) > -1000',
        last: 'last_over_time(steps[1m]) > -1000',
        absentMissing: 'absent(nope{job="api", env=~"p.*"})',
        absentPresent: 'absent(a)',
        absentOverTimeMissing: 'absent_over_time(nope{job="x"}[1m])',
        absentOverTimePresent: 'absent_over_time(a[1m])',
      },
      (source, s) => {
        source.set('a', {}, 1000 + s)
        source.set('r', {}, s === 300 ? 5 : 50)
        source.set('g', {}, 100 - s / 10)
        source.set('steps', {}, steps[s] ?? 0)
      },
    )
    // The last two samples, 10 s apart: +10, or a reset to 5 counted from zero.
    expect(value('irate')?.value).toBeCloseTo(1)
    expect(value('irateReset')?.value).toBeCloseTo(0.5)
    // A gauge falling 5 over the 50 s sampled, extrapolated to the 60 s window, with no counter logic.
    expect(value('delta')?.value).toBeCloseTo(-6)
    // (240 s, 300 s] holds 1, 1, 2, 2, 3, 1.
    expect(value('changes')?.value).toBe(3)
    expect(value('resets')?.value).toBe(1)
    expect(value('sum')?.value).toBe(10)
    expect(value('count')?.value).toBe(6)
    expect(value('last')?.value).toBe(1)
    // absent() takes its labels from the selector's equality matchers.
    expect(value('absentMissing')).toMatchObject({
      value: 1,
      labels: { alertname: 'absentMissing', job: 'api' },
    })
    expect(value('absentMissing')?.labels.env).toBeUndefined()
    expect(value('absentPresent')).toBeUndefined()
    expect(value('absentOverTimeMissing')).toMatchObject({ value: 1, labels: { job: 'x' } })
    expect(value('absentOverTimePresent')).toBeUndefined()
    expect(() => parseExpr('absent(a[5m])')).toThrow(/absent_over_time/)
  })

  it('offset reads series as they were before, for instant reads and ranges', async () => {
    const instance = await everyTenSeconds(
      {
        instant: 'a offset 1m > 0',
        range: 'rate(a[1m] offset 2m) > 0',
        growth: 'a - a offset 5m > 0',
        beforeHistory: 'a offset 10m > 0',
      },
      (source, s) => {
        source.set('a', {}, 1000 + s)
      },
    )
    const value = (rule: string) => instance(rule)?.value
    expect(value('instant')).toBe(1240)
    expect(value('range')).toBeCloseTo(1)
    expect(value('growth')).toBe(300)
    expect(value('beforeHistory')).toBeUndefined()
    expect(() => parseExpr('a offset 0s')).toThrow(/positive duration/)
    expect(() => parseExpr('a offset')).toThrow(/after offset/)
  })

  it('deriv and predict_linear fit a least-squares line, as for a disk filling up', async () => {
    const instance = await everyTenSeconds(
      {
        slope: 'deriv(free[1m]) < 100',
        flat: 'deriv(steady[1m]) < 100',
        inTenMinutes: 'predict_linear(free[1m], 600) < 10000',
        full: 'predict_linear(free[1m], 4 * 180) < 0',
      },
      (source, s) => {
        // Free space falls by 1 per second, with a ±2 wobble.
        source.set('free', {}, 1000 - s + (s % 20 === 0 ? 2 : -2))
        source.set('steady', {}, 5)
      },
    )
    const value = (rule: string) => instance(rule)?.value
    // (240 s, 300 s]: x = −50…0 s from now, y = 748, 742, 728, 722, 708, 702 (mean 725).
    // Sxy = −1690 and Sxx = 1750, so the slope is −1690 / 1750 per second; the line is at
    // 725 + 25 × slope now, and 600 s later at that + 600 × slope.
    const slope = -1690 / 1750
    expect(value('slope')).toBeCloseTo(slope, 10)
    expect(value('flat')).toBe(0)
    expect(value('inTenMinutes')).toBeCloseTo(725 + 25 * slope + 600 * slope, 8)
    expect(value('full')).toBeLessThan(0)
    expect(() => parseExpr('predict_linear(free, 60)')).toThrow(/needs a range/)
  })

  it('histogram_quantile over prom-client histogram buckets from the registry', async () => {
    const registry = new Registry()
    const h = new Histogram({
      name: 'req_seconds',
      help: 'x',
      labelNames: ['route'],
      buckets: [0.1, 0.5, 1],
      registers: [registry],
    })
    for (let i = 0; i < 90; i++) h.observe({ route: '/a' }, 0.05)
    for (let i = 0; i < 10; i++) h.observe({ route: '/a' }, 0.7)
    const engine = createRuleEngine({
      source: registrySampleSource(registry),
      clock: createFakeClock(T0),
      sink: () => undefined,
    })
    engine.addRule({ name: 'P95', expr: 'histogram_quantile(0.95, req_seconds_bucket) > 0.2' })
    engine.addRule({ name: 'P50', expr: 'histogram_quantile(0.5, sum by (le) (req_seconds_bucket)) > 0' })
    await engine.evaluate(T0)
    // rank 95 falls in (0.5, 1]: 0.5 + 0.5 × (95 − 90) / 10 = 0.75
    expect(engine.instances().find((i) => i.rule === 'P95')).toMatchObject({
      value: 0.75,
      labels: { route: '/a' },
    })
    expect(engine.instances().find((i) => i.rule === 'P50')?.value).toBeCloseTo((50 / 90) * 0.1)
  })

  it('rejects invalid expressions with positions', () => {
    for (const bad of [
      '',
      'sum(',
      'up{job=}',
      'up[5m]',
      'rate(up)',
      'foo(up)',
      'up > ',
      'up{a=~"("}',
      'histogram_quantile(x, x)',
      '3 > 2',
      'rate(up[1.5m])',
    ]) {
      expect(() => parseExpr(bad), bad).toThrowError(MonitorError)
    }
    try {
      parseExpr('up{job=}')
    } catch (e) {
      expect((e as MonitorError).code).toBe('MONITOR_INVALID_EXPRESSION')
      expect((e as Error).message).toMatch(/position 7/)
    }
  })
})
