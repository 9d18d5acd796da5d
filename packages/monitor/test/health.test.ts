import { createServer, type Server } from 'node:net'
import { openSqlite } from '@opskit/core/sqlite'
import { createFakeClock } from '@opskit/core/testing'
import { startHttpFake, startPostgres, tempSqlitePath } from '@opskit/test-support'
import { Kysely, PostgresDialect } from 'kysely'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import { checks, createMonitor, type HealthReport, MonitorError } from '../src/index.js'
import { get, listen } from './helpers/http.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function tcpServer(
  onConnection: (socket: import('node:net').Socket) => void,
): Promise<{ port: number }> {
  const server: Server = createServer(onConnection)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const sockets = new Set<import('node:net').Socket>()
  server.on('connection', (s) => sockets.add(s))
  cleanups.push(
    () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy()
        server.close(() => resolve())
      }),
  )
  return { port: (server.address() as import('node:net').AddressInfo).port }
}

describe('health', () => {
  it('PostgreSQL up then stopped: readiness passes, then fails with 503', async () => {
    const cluster = await startPostgres()
    cleanups.push(() => cluster.stop())
    const pool = new pg.Pool({ connectionString: cluster.url, max: 2 })
    pool.on('error', () => undefined) // the host's pool sees the server go away
    const db = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool }) })
    cleanups.push(() => db.destroy().catch(() => undefined))
    const monitor = await createMonitor({ serviceName: 'svc', defaultMetrics: false })
    monitor.health.register('postgres', checks.postgres(db), { kind: 'readiness', timeoutMs: 2000 })
    monitor.health.register('alive', async () => undefined, { kind: 'liveness' })
    const s = await listen((req, res) => void monitor.health.handler()(req, res))
    cleanups.push(s.close)
    const up = await get(`${s.url}/readyz`)
    expect(up.status).toBe(200)
    expect(up.headers['content-type']).toBe('application/health+json')
    const upBody = JSON.parse(up.body) as HealthReport
    expect(upBody.status).toBe('pass')
    expect(upBody.checks['postgres:responseTime']?.[0]).toMatchObject({
      status: 'pass',
      observedUnit: 'ms',
      componentType: 'datastore',
    })
    await cluster.stop()
    const down = await get(`${s.url}/readyz`)
    expect(down.status).toBe(503)
    const body = JSON.parse(down.body) as HealthReport
    expect(body.status).toBe('fail')
    expect(body.checks['postgres:responseTime']?.[0]?.output).not.toContain('postgres://')
    // liveness does not look at dependencies
    const live = await get(`${s.url}/healthz`)
    expect(live.status).toBe(200)
    expect(Object.keys((JSON.parse(live.body) as HealthReport).checks)).toEqual(['alive:status'])
  })

  it('a Redis-like server that hangs fails on its timeout; one that answers PONG passes', async () => {
    const hang = await tcpServer(() => undefined)
    const pong = await tcpServer((socket) => {
      socket.on('data', (d: Buffer) => {
        const text = d.toString()
        if (text.includes('AUTH')) socket.write('+OK\r\n')
        if (text.includes('PING')) socket.write('+PONG\r\n')
      })
    })
    const monitor = await createMonitor({ serviceName: 'svc', defaultMetrics: false })
    monitor.health.register('cache', checks.redis({ port: hang.port }), { kind: 'readiness', timeoutMs: 150 })
    monitor.health.register('sessions', checks.redis({ port: pong.port, password: 'pw' }), {
      kind: 'readiness',
    })
    const started = Date.now()
    const report = await monitor.health.run('readiness')
    expect(Date.now() - started).toBeLessThan(1500)
    expect(report.status).toBe('fail')
    expect(report.checks['cache:responseTime']?.[0]).toMatchObject({
      status: 'fail',
      output: 'timeout after 150ms',
    })
    expect(report.checks['sessions:responseTime']?.[0]?.status).toBe('pass')
  })

  it('an optional HTTP dependency returning 500 warns (200); a critical one fails (503)', async () => {
    const fake = await startHttpFake()
    cleanups.push(() => fake.stop())
    fake.route('GET', '/status', () => ({ status: 500, body: { error: 'down' } }))
    fake.route('GET', '/ok', () => ({ status: 200, body: 'fine' }))
    const monitor = await createMonitor({ serviceName: 'svc', defaultMetrics: false })
    monitor.health.register('payments', checks.http({ url: `${fake.url}/status` }), {
      kind: 'readiness',
      critical: false,
    })
    monitor.health.register('search', checks.http({ url: `${fake.url}/ok` }), { kind: 'readiness' })
    const warn = await monitor.health.run('readiness')
    expect(warn.status).toBe('warn')
    expect(warn.checks['payments:responseTime']?.[0]).toMatchObject({ status: 'fail', output: 'HTTP_500' })
    monitor.health.register('payments', checks.http({ url: `${fake.url}/status` }), {
      kind: 'readiness',
      critical: true,
    })
    const s = await listen((req, res) => void monitor.health.handler()(req, res))
    cleanups.push(s.close)
    expect((await get(`${s.url}/readyz`)).status).toBe(503)
  })

  it('SQLite, custom warn results, startup probe and shutdown', async () => {
    const file = tempSqlitePath()
    cleanups.push(file.cleanup)
    const db = openSqlite(file.path)
    cleanups.push(() => db.destroy())
    const monitor = await createMonitor({ serviceName: 'svc', defaultMetrics: false })
    monitor.health.register('sqlite', checks.sqlite(db), { kind: 'readiness' })
    monitor.health.register(
      'queue',
      async () => ({ status: 'warn', observedValue: 900, output: 'backlog' }),
      {
        kind: 'readiness',
      },
    )
    monitor.health.register('warmup', async () => undefined, { kind: 'startup' })
    const s = await listen((req, res) => void monitor.health.handler()(req, res))
    cleanups.push(s.close)
    const ready = await get(`${s.url}/readyz`)
    expect(ready.status).toBe(200)
    expect((JSON.parse(ready.body) as HealthReport).status).toBe('warn')
    expect((await get(`${s.url}/startupz`)).status).toBe(200)
    expect((await get(`${s.url}/nope`)).status).toBe(404)
    await monitor.close()
    await monitor.close()
    await expect(monitor.alerts.evaluate()).rejects.toMatchObject({ code: 'MONITOR_CLOSED' })
    expect((await get(`${s.url}/readyz`)).status).toBe(503)
    expect((await get(`${s.url}/healthz`)).status).toBe(200)
  })

  it('refuses dependency checks as liveness and bad options', async () => {
    const monitor = await createMonitor({ serviceName: 'svc', defaultMetrics: false })
    expect(() => monitor.health.register('db', checks.redis({ port: 1 }), { kind: 'liveness' })).toThrowError(
      /liveness must not check dependencies/,
    )
    expect(() =>
      monitor.health.register('x', async () => undefined, { kind: 'readiness', timeoutMs: -1 }),
    ).toThrowError(MonitorError)
    expect(() =>
      monitor.health.register('y', async () => undefined, {
        kind: 'readiness',
        cacheMs: 1000,
        intervalMs: 5000,
      }),
    ).toThrowError(/cacheMs and intervalMs cannot be combined/)
    expect(() =>
      monitor.health.register('z', async () => undefined, { kind: 'readiness', intervalMs: 10 }),
    ).toThrowError(/intervalMs/)
  })

  /** A check that counts its runs and passes or fails as told. */
  function countingCheck() {
    const state = { runs: 0, failing: false }
    const check = async () => {
      state.runs++
      if (state.failing) throw new Error('down')
      return { observedValue: state.runs }
    }
    return { state, check }
  }

  it('probes arriving during a measurement share it instead of running the check again', async () => {
    const monitor = await createMonitor({ serviceName: 'svc', defaultMetrics: false })
    let runs = 0
    let answer = () => {}
    monitor.health.register(
      'slow',
      () => {
        runs++
        return new Promise<undefined>((resolve) => {
          answer = () => resolve(undefined)
        })
      },
      { kind: 'readiness' },
    )
    const probes = [
      monitor.health.run('readiness'),
      monitor.health.run('readiness'),
      monitor.health.run('readiness'),
    ]
    await new Promise((resolve) => setImmediate(resolve))
    expect(runs).toBe(1)
    answer()
    const reports = await Promise.all(probes)
    expect(reports.map((r) => r.status)).toEqual(['pass', 'pass', 'pass'])
    // Once it settled, the next probe measures again (no cache by default).
    const next = monitor.health.run('readiness')
    await new Promise((resolve) => setImmediate(resolve))
    answer()
    await next
    expect(runs).toBe(2)
  })

  it('cacheMs: probes within the window report the earlier measurement with its time', async () => {
    const clock = createFakeClock(Date.UTC(2026, 0, 1))
    const monitor = await createMonitor({ serviceName: 'svc', defaultMetrics: false, clock })
    const { state, check } = countingCheck()
    monitor.health.register('db', check, { kind: 'readiness', cacheMs: 5_000 })
    const first = await monitor.health.run('readiness')
    await clock.advance(4_999)
    const cached = await monitor.health.run('readiness')
    expect(state.runs).toBe(1)
    expect(cached.checks['db:status']).toEqual(first.checks['db:status'])
    expect(cached.checks['db:status']?.[0]?.time).toBe('2026-01-01T00:00:00.000Z')
    state.failing = true
    await clock.advance(1)
    const fresh = await monitor.health.run('readiness')
    expect(state.runs).toBe(2)
    expect(fresh.status).toBe('fail')
    expect(fresh.checks['db:status']?.[0]?.time).toBe('2026-01-01T00:00:05.000Z')
  })

  it('intervalMs: the check runs on its timer, probes never run it, and close() stops the timer', async () => {
    const clock = createFakeClock(Date.UTC(2026, 0, 1))
    const monitor = await createMonitor({ serviceName: 'svc', defaultMetrics: false, clock })
    const { state, check } = countingCheck()
    monitor.health.register('db', check, { kind: 'readiness', intervalMs: 10_000 })
    // The first run starts at registration; a probe before it settles waits for it.
    expect((await monitor.health.run('readiness')).status).toBe('pass')
    for (let i = 0; i < 5; i++) await monitor.health.run('readiness')
    expect(state.runs).toBe(1)
    state.failing = true
    await clock.advance(9_999)
    expect((await monitor.health.run('readiness')).status).toBe('pass')
    await clock.advance(1)
    expect(state.runs).toBe(2)
    const failed = await monitor.health.run('readiness')
    expect(failed.status).toBe('fail')
    expect(failed.checks['db:status']?.[0]?.time).toBe('2026-01-01T00:00:10.000Z')
    state.failing = false
    await clock.advance(10_000)
    expect(state.runs).toBe(3)
    expect((await monitor.health.run('readiness')).checks['db:status']?.[0]?.status).toBe('pass')
    // Replacing a background check stops the old one's timer.
    const replacement = countingCheck()
    monitor.health.register('db', replacement.check, { kind: 'readiness', intervalMs: 10_000 })
    await clock.advance(30_000)
    expect(state.runs).toBe(3)
    expect(replacement.state.runs).toBe(4)
    await monitor.close()
    await clock.advance(60_000)
    expect(replacement.state.runs).toBe(4)
    // After close() the check is measured on demand, not answered from its last background result.
    await monitor.health.run('liveness')
    await monitor.health.run('readiness')
    expect(replacement.state.runs).toBe(5)
  })

  it('publishes the latest status of each check as a metric that alert rules can use', async () => {
    const clock = createFakeClock(Date.UTC(2026, 0, 1))
    const monitor = await createMonitor({ serviceName: 'svc', defaultMetrics: false, clock })
    const { state, check } = countingCheck()
    monitor.health.register('db', check, { kind: 'readiness', intervalMs: 10_000 })
    monitor.alerts.addRule({
      name: 'DependencyDown',
      expr: 'opskit_monitor_health_check_status{check="db",status="fail"} == 1',
      for: '20s',
    })
    const status = async () =>
      (await monitor.registry.getSingleMetric('opskit_monitor_health_check_status')?.get())?.values
        .filter((v) => v.labels.check === 'db')
        .map((v) => `${v.labels.kind}/${v.labels.status}=${v.value}`)
        .sort()
    await monitor.health.run('readiness')
    expect(await status()).toEqual(['readiness/fail=0', 'readiness/pass=1', 'readiness/warn=0'])
    state.failing = true
    const firing = async () => (await monitor.alerts.evaluate()).map((a) => a.labels.alertname)
    for (let i = 0; i < 3; i++) {
      await clock.advance(10_000)
      expect(await firing()).toEqual(i < 2 ? [] : ['DependencyDown'])
    }
    expect(await status()).toEqual(['readiness/fail=1', 'readiness/pass=0', 'readiness/warn=0'])
    // Unregistering removes its series.
    monitor.health.unregister('db')
    expect(await status()).toEqual([])
    await monitor.close()
  })
})
