import type { IncomingMessage, ServerResponse } from 'node:http'
import { context, TraceFlags, trace } from '@opentelemetry/api'
import { type OpenMetricsContentType, Registry } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createMonitor,
  hashPassword,
  type Monitor,
  MonitorError,
  OVERFLOW_LABEL_VALUE,
  startTracing,
  UNMATCHED_ROUTE,
} from '../src/index.js'
import { parseExposition } from './helpers/exposition.js'
import { get, listen } from './helpers/http.js'

const cleanups: Array<() => Promise<void>> = []
afterEach(async () => {
  for (const c of cleanups.splice(0)) await c()
})

function app(req: IncomingMessage, res: ServerResponse) {
  if (req.url?.startsWith('/boom')) {
    res.writeHead(500)
    res.end('no')
    return
  }
  if (req.url?.startsWith('/users/')) {
    res.writeHead(200, { 'content-type': 'text/plain' })
    res.end('user')
    return
  }
  res.writeHead(404)
  res.end()
}

async function started(
  monitor: Monitor,
  metricsOptions: Parameters<Monitor['metricsHandler']>[0],
  host?: string,
) {
  const metrics = monitor.metricsHandler(metricsOptions)
  const wrapped = monitor.http.wrap(app, { routes: ['/users/:id', '/boom'] })
  const s = await listen((req, res) => {
    if (req.url === '/metrics') return void metrics(req, res)
    void wrapped(req, res)
  }, host)
  cleanups.push(s.close)
  return s
}

describe('RED metrics and /metrics', () => {
  it('labels by method, route template and status class under concurrent loopback load', async () => {
    const monitor = await createMonitor({ serviceName: 'svc', defaultMetrics: true })
    cleanups.push(() => monitor.close())
    const s = await started(monitor, { allow: ['127.0.0.1'] })
    const paths = Array.from({ length: 200 }, (_, i) =>
      i % 10 === 0 ? '/boom' : i % 10 === 1 ? `/nope/${i}` : `/users/${i}?q=${i}`,
    )
    for (let i = 0; i < paths.length; i += 20) {
      await Promise.all(paths.slice(i, i + 20).map((p) => get(`${s.url}${p}`)))
    }
    await get(`${s.url}/users/1`, { method: 'PROPFIND' })
    const scrape = await get(`${s.url}/metrics`)
    expect(scrape.status).toBe(200)
    expect(scrape.headers['content-type']).toContain('text/plain')
    const { samples, types } = parseExposition(scrape.body)
    expect(types.get('http_server_request_duration_seconds')).toBe('histogram')
    expect(types.get('process_cpu_user_seconds_total')).toBe('counter')
    const count = (route: string, status: string, method = 'GET') =>
      samples.find(
        (x) =>
          x.name === 'http_server_requests_total' &&
          x.labels.route === route &&
          x.labels.status_class === status &&
          x.labels.method === method,
      )?.value
    expect(count('/users/:id', '2xx')).toBe(160)
    expect(count('/boom', '5xx')).toBe(20)
    expect(count(UNMATCHED_ROUTE, '4xx')).toBe(20)
    expect(count('/users/:id', '2xx', '_OTHER')).toBe(1)
    const histCount = samples.find(
      (x) =>
        x.name === 'http_server_request_duration_seconds_count' &&
        x.labels.route === '/users/:id' &&
        x.labels.method === 'GET',
    )
    expect(histCount?.value).toBe(160)
    expect(
      samples.some((x) => (x.labels.route ?? '').includes('?') || /\/users\/\d/.test(x.labels.route ?? '')),
    ).toBe(false)
    const inflight = samples.find(
      (x) => x.name === 'http_server_requests_in_flight' && x.labels.method === 'GET',
    )
    expect(inflight?.value).toBe(0)
    expect(samples.some((x) => x.labels.route === '/metrics')).toBe(false)
  })

  const traceId = '4bf92f3577b34da6a3ce929d0e0e4736'

  /**
   * Serves `app` as an HTTP instrumentation would: a request with `x-trace: sampled` or
   * `unsampled` runs with a server span of that trace active. Starts a context manager first.
   */
  async function startedTraced(monitor: Monitor) {
    const tracing = await startTracing({ serviceName: 'svc', exporter: 'none' })
    cleanups.push(() => tracing.shutdown())
    const metrics = monitor.metricsHandler({ allow: ['127.0.0.1'] })
    const wrapped = monitor.http.wrap(app, { routes: ['/users/:id', '/boom'] })
    const s = await listen((req, res) => {
      if (req.url === '/metrics') return void metrics(req, res)
      const flags = req.headers['x-trace']
      if (flags === undefined) return void wrapped(req, res)
      const span = trace.wrapSpanContext({
        traceId,
        spanId: flags === 'sampled' ? '00f067aa0ba902b7' : '00f067aa0ba902b8',
        traceFlags: flags === 'sampled' ? TraceFlags.SAMPLED : TraceFlags.NONE,
      })
      context.with(trace.setSpan(context.active(), span), () => void wrapped(req, res))
    })
    cleanups.push(s.close)
    return s
  }

  it('links request durations to sampled traces as OpenMetrics exemplars; rules still see x_total', async () => {
    const registry = new Registry<OpenMetricsContentType>()
    registry.setContentType(Registry.OPENMETRICS_CONTENT_TYPE)
    const monitor = await createMonitor({ serviceName: 'svc', registry, defaultMetrics: false })
    cleanups.push(() => monitor.close())
    const s = await startedTraced(monitor)
    await get(`${s.url}/users/1`, { headers: { 'x-trace': 'sampled' } })
    await get(`${s.url}/boom`, { headers: { 'x-trace': 'unsampled' } })
    await get(`${s.url}/users/2`)
    // A business histogram observed inside a sampled span links to it too; outside, it does not.
    const checkout = monitor.metrics.histogram({ name: 'checkout_seconds', help: 'Checkout time.' })
    const span = trace.wrapSpanContext({
      traceId,
      spanId: '00f067aa0ba902b9',
      traceFlags: TraceFlags.SAMPLED,
    })
    context.with(trace.setSpan(context.active(), span), () => checkout.observe({}, 0.2))
    checkout.observe({}, 0.3)

    const scrape = await get(`${s.url}/metrics`)
    expect(scrape.headers['content-type']).toBe(Registry.OPENMETRICS_CONTENT_TYPE)
    expect(scrape.body.endsWith('# EOF\n')).toBe(true)
    const exemplarLines = scrape.body.split('\n').filter((line) => line.includes(' # {'))
    expect(exemplarLines.filter((line) => line.startsWith('checkout_seconds'))).toEqual([
      expect.stringMatching(
        /^checkout_seconds_bucket\{le="0.25"\} 1 # \{trace_id="4bf92f3577b34da6a3ce929d0e0e4736",span_id="00f067aa0ba902b9"\} 0.2 [0-9.]+$/,
      ),
    ])
    expect(scrape.body).toContain('checkout_seconds_count 2')
    const withExemplar = exemplarLines.filter((line) => line.startsWith('http_server'))
    expect(withExemplar).toHaveLength(1)
    expect(withExemplar[0]).toMatch(
      /^http_server_request_duration_seconds_bucket\{.*route="\/users\/:id".*\} 2 # \{trace_id="4bf92f3577b34da6a3ce929d0e0e4736",span_id="00f067aa0ba902b7"\} [0-9.e-]+ [0-9.]+$/,
    )
    expect(scrape.body).toContain(
      'http_server_requests_total{method="GET",route="/boom",status_class="5xx"} 1',
    )

    // prom-client renamed the counter to its family on that scrape; rules still read x_total.
    monitor.alerts.addRule({ name: 'Traffic', expr: 'sum(http_server_requests_total) >= 3' })
    await monitor.alerts.evaluate()
    expect(monitor.alerts.state().alerts.map((a) => a.labels.alertname)).toEqual(['Traffic'])
  })

  it('a Prometheus-format registry records sampled requests without exemplars', async () => {
    const monitor = await createMonitor({ serviceName: 'svc', defaultMetrics: false })
    cleanups.push(() => monitor.close())
    const s = await startedTraced(monitor)
    await get(`${s.url}/users/1`, { headers: { 'x-trace': 'sampled' } })
    const { samples } = parseExposition((await get(`${s.url}/metrics`)).body)
    const count = samples.find(
      (x) => x.name === 'http_server_request_duration_seconds_count' && x.labels.route === '/users/:id',
    )
    expect(count?.value).toBe(1)
  })

  it('uses the host registry and registers idempotently', async () => {
    const registry = new Registry()
    const a = await createMonitor({ serviceName: 'a', registry })
    const b = await createMonitor({ serviceName: 'b', registry })
    const c1 = a.metrics.counter({ name: 'orders_total', help: 'Orders.', labelNames: ['kind'] as const })
    const c2 = b.metrics.counter({ name: 'orders_total', help: 'Orders.', labelNames: ['kind'] as const })
    c1.inc({ kind: 'web' })
    c2.inc({ kind: 'web' }, 2)
    const json = await registry.getSingleMetricAsString('orders_total')
    expect(json).toContain('orders_total{kind="web"} 3')
    expect(() => a.metrics.counter({ name: 'bad-name', help: 'x' })).toThrowError(MonitorError)
  })

  it('folds label sets over the cap into __other__ and counts the drops', async () => {
    const monitor = await createMonitor({ serviceName: 's', maxSeriesPerMetric: 3, defaultMetrics: false })
    const c = monitor.metrics.counter({
      name: 'logins_total',
      help: 'Logins.',
      labelNames: ['user'] as const,
    })
    for (let i = 0; i < 10; i++) c.inc({ user: `u${i}` })
    const text = await monitor.registry.metrics()
    const { samples } = parseExposition(text)
    const series = samples.filter((x) => x.name === 'logins_total')
    expect(series).toHaveLength(4)
    expect(series.find((x) => x.labels.user === OVERFLOW_LABEL_VALUE)?.value).toBe(7)
    expect(
      samples.find(
        (x) => x.name === 'opskit_monitor_cardinality_dropped_total' && x.labels.metric === 'logins_total',
      )?.value,
    ).toBe(7)
  })

  it('is closed by default and enforces the allowlist', async () => {
    const monitor = await createMonitor({ serviceName: 's', defaultMetrics: false })
    const closed = await started(monitor, {})
    expect((await get(`${closed.url}/metrics`)).status).toBe(403)
    const denied = await started(monitor, { allow: ['10.0.0.0/8', '::1'] })
    expect((await get(`${denied.url}/metrics`)).status).toBe(403)
    const allowed = await started(monitor, { allow: ['127.0.0.0/8'] })
    expect((await get(`${allowed.url}/metrics`)).status).toBe(200)
    const v6 = await started(monitor, { allow: ['::1/128'] }, '::1')
    expect((await get(`${v6.url}/metrics`)).status).toBe(200)
    expect(() => monitor.metricsHandler({ allow: ['10.0.0.0/33'] })).toThrowError(/not an IP address or CIDR/)
  })

  it('ignores X-Forwarded-For from untrusted peers and honours it from trusted proxies', async () => {
    const monitor = await createMonitor({ serviceName: 's', defaultMetrics: false })
    const untrusted = await started(monitor, { allow: ['203.0.113.7'] })
    expect(
      (await get(`${untrusted.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.7' } })).status,
    ).toBe(403)
    const viaProxy = await started(monitor, {
      allow: ['203.0.113.7'],
      trustProxies: ['127.0.0.1', '10.0.0.0/8'],
    })
    expect(
      (await get(`${viaProxy.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.7, 10.1.2.3' } }))
        .status,
    ).toBe(200)
    // the client prepends a fake hop: the first untrusted address from the right is still the real one
    expect(
      (await get(`${viaProxy.url}/metrics`, { headers: { 'x-forwarded-for': '203.0.113.7, 198.51.100.1' } }))
        .status,
    ).toBe(403)
  })

  it('checks Basic credentials (plain password and scrypt hash)', async () => {
    const monitor = await createMonitor({ serviceName: 's', defaultMetrics: false })
    const basic = (u: string, p: string) => ({
      authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`,
    })
    for (const auth of [
      { username: 'prom', password: 's3cret' },
      { username: 'prom', passwordHash: hashPassword('s3cret') },
    ]) {
      const s = await started(monitor, { basicAuth: auth })
      const none = await get(`${s.url}/metrics`)
      expect(none.status).toBe(401)
      expect(none.headers['www-authenticate']).toContain('Basic')
      expect((await get(`${s.url}/metrics`, { headers: basic('prom', 'wrong') })).status).toBe(401)
      expect((await get(`${s.url}/metrics`, { headers: basic('other', 's3cret') })).status).toBe(401)
      expect((await get(`${s.url}/metrics`, { headers: basic('prom', 's3cret') })).status).toBe(200)
    }
    expect(() =>
      monitor.metricsHandler({ basicAuth: { username: 'x', passwordHash: 'md5$abc' } }),
    ).toThrowError(MonitorError)
  })

  it('instruments Express-style middleware with req.route', async () => {
    const monitor = await createMonitor({ serviceName: 's', defaultMetrics: false })
    const mw = monitor.http.middleware()
    const s = await listen((req, res) => {
      mw(req, res, () => {
        Object.assign(req, { baseUrl: '/api', route: { path: '/items/:id' } })
        res.end('ok')
        // as Express does when the request leaves the mounted router
        Object.assign(req, { baseUrl: '' })
      })
    })
    cleanups.push(s.close)
    await get(`${s.url}/api/items/42`)
    const text = await monitor.registry.getSingleMetricAsString('http_server_requests_total')
    expect(text).toContain('route="/api/items/:id"')
  })
})
