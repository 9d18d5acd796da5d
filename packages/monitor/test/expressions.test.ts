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
    // window (1m, 3m]: points 60@1? no: (T0+60s, T0+180s] → 120@2m, 10@3m (reset) → increase 10, rate 10/60
    expect(engine.instances().find((i) => i.rule === 'Inc')?.value).toBe(10)
    expect(engine.instances().find((i) => i.rule === 'Rate')?.value).toBeCloseTo(10 / 60)
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
      'histogram_quantile(2, x)',
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
