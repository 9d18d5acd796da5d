import { createFakeClock } from '@opskit/core/testing'
import { afterEach, describe, expect, it } from 'vitest'
import { createMonitor, type Monitor } from '../src/index.js'
import { get, listen } from './helpers/http.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function started(options: Parameters<Monitor['grafana']['handler']>[0]) {
  const clock = createFakeClock(Date.UTC(2026, 0, 1))
  const monitor = await createMonitor({ serviceName: 'svc', clock, defaultMetrics: false })
  cleanups.push(() => monitor.close())
  monitor.alerts.addRule({ name: 'Busy', expr: 'rate(jobs_total[5m]) > 0.5' })
  for (let i = 0; i <= 10; i++) {
    monitor.alerts.samples.set('jobs_total', { queue: 'mail' }, i * 60)
    monitor.alerts.samples.set('jobs_total', { queue: 'sms' }, i * 6)
    await monitor.alerts.evaluate()
    await clock.advance(60_000)
  }
  const handler = monitor.grafana.handler(options)
  const server = await listen((req, res) => void handler(req, res))
  cleanups.push(server.close)
  const post = async (path: string, body: unknown) => {
    const r = await get(`${server.url}/grafana${path}`, {
      method: 'POST',
      body: JSON.stringify(body),
      headers: { 'content-type': 'application/json' },
    })
    return { status: r.status, json: JSON.parse(r.body) as unknown }
  }
  return { monitor, server, post, clock }
}

describe('Grafana JSON datasource', () => {
  it('is closed by default', async () => {
    const { server } = await started({})
    expect((await get(`${server.url}/grafana/`)).status).toBe(403)
  })

  it('serves /, /search, /metrics, /query (history and instant), /annotations and tag endpoints', async () => {
    const { server, post } = await started({ allow: ['127.0.0.1'] })
    expect((await get(`${server.url}/grafana/`)).status).toBe(200)
    expect((await post('/search', { target: 'jobs' })).json).toEqual(['jobs_total'])
    expect((await post('/metrics', { metric: 'jobs' })).json).toEqual([
      { label: 'jobs_total', value: 'jobs_total' },
    ])
    expect((await post('/metrics', {})).json).toContainEqual({
      label: 'opskit_monitor_rules_evaluated_total',
      value: 'opskit_monitor_rules_evaluated_total',
    })
    const from = new Date(Date.UTC(2026, 0, 1)).toISOString()
    const to = new Date(Date.UTC(2026, 0, 1, 1)).toISOString()
    const history = (await post('/query', {
      range: { from, to },
      maxDataPoints: 3,
      targets: [{ target: 'jobs_total{queue="mail"}', refId: 'A' }],
    })) as { json: Array<{ target: string; datapoints: Array<[number, number]> }> }
    expect(history.json).toHaveLength(1)
    expect(history.json[0]?.target).toBe('{queue="mail"}')
    expect(history.json[0]?.datapoints.length).toBeLessThanOrEqual(3)
    const instant = (await post('/query', {
      range: { from, to },
      targets: [{ target: 'sum(rate(jobs_total[5m]))', refId: 'B' }],
    })) as { json: Array<{ datapoints: Array<[number, number]> }> }
    expect(instant.json[0]?.datapoints[0]?.[0]).toBeCloseTo(1.1)
    const table = (await post('/query', {
      range: { from, to },
      targets: [{ target: 'ALERTS', type: 'table' }],
    })) as {
      json: Array<{ type: string; rows: unknown[][] }>
    }
    expect(table.json[0]?.type).toBe('table')
    expect(table.json[0]?.rows.map((r) => r[0])).toEqual(['Busy'])
    expect((await post('/tag-keys', {})).json).toContainEqual({ type: 'string', text: 'queue' })
    expect((await post('/tag-values', { key: 'queue' })).json).toEqual([{ text: 'mail' }, { text: 'sms' }])
    expect(
      (await post('/annotations', { range: { from, to }, annotation: { name: 'incidents' } })).json,
    ).toEqual([])
    expect((await post('/query', { targets: [{ target: 'sum(' }] })).status).toBe(400)
  })
})
