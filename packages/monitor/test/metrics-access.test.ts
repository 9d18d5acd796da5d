import { monitorEventLoopDelay } from 'node:perf_hooks'
import { afterEach, describe, expect, it } from 'vitest'
import { createMonitor, hashPassword, type MetricsHandlerOptions, type Monitor } from '../src/index.js'
import { get, listen } from './helpers/http.js'

// Attacks on the /metrics access guard (issue 16, items 8 and 9).

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function serve(monitor: Monitor, options: MetricsHandlerOptions) {
  const handler = monitor.metricsHandler(options)
  const s = await listen((req, res) => void handler(req, res))
  cleanups.push(s.close)
  return s
}

async function monitor() {
  const m = await createMonitor({ serviceName: 's', defaultMetrics: false })
  cleanups.push(() => m.close())
  return m
}

describe('X-Forwarded-For from a trusted proxy', () => {
  it('a hop with a port, brackets or an unparseable value never falls back to the proxy address', async () => {
    const s = await serve(await monitor(), { allow: ['127.0.0.1'], trustProxies: ['127.0.0.1'] })
    const status = async (xff: string) =>
      (await get(`${s.url}/metrics`, { headers: { 'x-forwarded-for': xff } })).status
    expect(await status('203.0.113.7')).toBe(403)
    for (const hop of [
      '203.0.113.7:51234',
      '[2001:db8::7]:443',
      '[2001:db8::7]',
      'unknown',
      '_hidden',
      '203.0.113.7:',
      '203.0.113.7:99999',
      '[127.0.0.1]',
      '2001:db8::7:443x',
      '127.0.0.1 203.0.113.7',
      '203.0.113.7, ',
      ',203.0.113.7',
      '203.0.113.7, unknown',
    ]) {
      expect(await status(hop), hop).toBe(403)
    }
  })

  it('reads the address of a hop written with a port or brackets', async () => {
    const s = await serve(await monitor(), {
      allow: ['203.0.113.7', '2001:db8::7'],
      trustProxies: ['127.0.0.1'],
    })
    const status = async (xff: string) =>
      (await get(`${s.url}/metrics`, { headers: { 'x-forwarded-for': xff } })).status
    for (const hop of [
      '203.0.113.7:51234',
      '[2001:db8::7]:443',
      '[2001:db8::7]',
      '2001:db8::7',
      ' 203.0.113.7 ',
    ]) {
      expect(await status(hop), hop).toBe(200)
    }
    // a spoofed hop the client prepended is left of the real one and is never read
    expect(await status('unknown, 203.0.113.7:8080')).toBe(200)
  })
})

describe('Basic auth under a password-guessing flood', () => {
  const basic = (u: string, p: string) => ({
    authorization: `Basic ${Buffer.from(`${u}:${p}`).toString('base64')}`,
  })

  /** Event-loop delay (ms) while 8 concurrent clients send 64 bad guesses, each from its own address. */
  async function flood(options: MetricsHandlerOptions) {
    const s = await serve(await monitor(), { ...options, trustProxies: ['127.0.0.1'] })
    const histogram = monitorEventLoopDelay({ resolution: 5 })
    histogram.enable()
    const statuses: number[] = []
    await Promise.all(
      Array.from({ length: 8 }, async (_, worker) => {
        for (let i = worker; i < 64; i += 8) {
          const headers = { ...basic('prom', `guess-${i}`), 'x-forwarded-for': `198.51.100.${i}` }
          statuses.push((await get(`${s.url}/metrics`, { headers })).status)
        }
      }),
    )
    histogram.disable()
    return { statuses, p99: histogram.percentile(99) / 1e6, max: histogram.max / 1e6 }
  }

  it('keeps the event loop responsive while bad scrypt credentials are hammered from many addresses', async () => {
    // the same flood against a cheap SHA-256 password is this machine's noise floor
    const baseline = await flood({ basicAuth: { username: 'prom', password: 's3cret' } })
    const scrypted = await flood({ basicAuth: { username: 'prom', passwordHash: hashPassword('s3cret') } })
    console.info(
      `event-loop delay under 64 bad guesses: sha256 p99 ${baseline.p99.toFixed(1)} ms (max ${baseline.max.toFixed(1)}), scrypt p99 ${scrypted.p99.toFixed(1)} ms (max ${scrypted.max.toFixed(1)})`,
    )
    expect(baseline.statuses.every((status) => status === 401)).toBe(true)
    expect(scrypted.statuses.every((status) => status === 401 || status === 429)).toBe(true)
    // one synchronous scrypt is 50 ms or more of blocked loop; 64 of them push p99 far beyond this
    expect(scrypted.p99).toBeLessThan(baseline.p99 + 30)
  })

  it('throttles a client address that keeps failing, without locking out others', async () => {
    const s = await serve(await monitor(), {
      basicAuth: { username: 'prom', passwordHash: hashPassword('s3cret') },
      trustProxies: ['127.0.0.1'],
    })
    const from = (address: string, password: string) =>
      get(`${s.url}/metrics`, { headers: { ...basic('prom', password), 'x-forwarded-for': address } })
    for (let i = 0; i < 5; i++) expect((await from('203.0.113.9', `guess-${i}`)).status).toBe(401)
    const throttled = await from('203.0.113.9', 'guess-5')
    expect(throttled.status).toBe(429)
    expect(throttled.headers['retry-after']).toBe('60')
    // while throttled even the right password is not verified for that address
    expect((await from('203.0.113.9', 's3cret')).status).toBe(429)
    expect((await from('203.0.113.10', 's3cret')).status).toBe(200)
  })

  it('the right credentials pass, and pass again from the cache of the last verified digest', async () => {
    const m = await monitor()
    const s = await serve(m, { basicAuth: { username: 'prom', passwordHash: hashPassword('s3cret') } })
    expect((await get(`${s.url}/metrics`, { headers: basic('prom', 's3cret') })).status).toBe(200)
    const t = performance.now()
    for (let i = 0; i < 20; i++)
      expect((await get(`${s.url}/metrics`, { headers: basic('prom', 's3cret') })).status).toBe(200)
    // 20 scrypt verifications would take about a second; the cached digest makes them cheap
    expect(performance.now() - t).toBeLessThan(600)
    expect((await get(`${s.url}/metrics`, { headers: basic('prom', 's3cret-') })).status).toBe(401)
    expect((await get(`${s.url}/metrics`, { headers: basic('prom2', 's3cret') })).status).toBe(401)
  })
})
