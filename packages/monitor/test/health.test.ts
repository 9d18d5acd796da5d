import { createServer, type Server } from 'node:net'
import { openSqlite } from '@opskit/core/sqlite'
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
  })
})
