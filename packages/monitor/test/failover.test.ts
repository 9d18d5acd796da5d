import { createPostgresDatabase, startHttpFake } from '@opskit/test-support'
import { Kysely, PostgresDialect, sql } from 'kysely'
import pg from 'pg'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createMonitor, createWebhookChannel, type Monitor } from '../src/index.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

/** Completed `pg_try_advisory_lock` calls per application name: an instance's chances to lead. */
const lockTries = new Map<string, number>()

function database(url: string, applicationName: string) {
  const pool = new pg.Pool({ connectionString: url, max: 4, application_name: applicationName })
  // terminated sessions surface as errors on idle clients (pool) and checked-out ones (client)
  pool.on('error', () => undefined)
  pool.on('connect', (client) => {
    client.on('error', () => undefined)
    const query = client.query.bind(client) as (...args: unknown[]) => unknown
    ;(client as { query: unknown }).query = (...args: unknown[]) => {
      const result = query(...args)
      const text = typeof args[0] === 'string' ? args[0] : (args[0] as { text?: string } | undefined)?.text
      if (text?.includes('pg_try_advisory_lock') && result instanceof Promise)
        result.then(
          () => lockTries.set(applicationName, (lockTries.get(applicationName) ?? 0) + 1),
          () => undefined,
        )
      return result
    }
  })
  const db = new Kysely<Record<string, never>>({ dialect: new PostgresDialect({ pool }) })
  cleanups.push(() => db.destroy().catch(() => undefined))
  return db
}

describe('leader election on PostgreSQL', () => {
  it('only one instance evaluates; when the leader dies another takes over within one interval and nothing is notified twice', async () => {
    const url = await createPostgresDatabase()
    const fake = await startHttpFake()
    cleanups.push(() => fake.stop())
    fake.route('POST', '/hook', () => ({ status: 200, body: 'ok' }))
    const build = async (name: string): Promise<Monitor> => {
      const monitor = await createMonitor({
        serviceName: 'svc',
        db: database(url, name),
        defaultMetrics: false,
        notifyRetries: 0,
      })
      monitor.alerts.receiver(
        'hook',
        createWebhookChannel({ url: `${fake.url}/hook`, allowPrivateNetworks: true }),
      )
      monitor.alerts.route({ receiver: 'hook', groupWait: 0, groupInterval: '1s' })
      monitor.alerts.addRule({ name: 'Down', expr: 'up == 0' })
      monitor.alerts.samples.set('up', { job: 'api' }, 0)
      return monitor
    }
    const interval = 200
    const a = await build('monitor-a')
    cleanups.push(() => a.close())
    const aLoop = a.alerts.start(interval)
    await vi.waitFor(() => expect(a.alerts.state().leader).toBe(true), { timeout: 5000 })
    await vi.waitFor(() => expect(fake.requests).toHaveLength(1), { timeout: 5000 })

    const b = await build('monitor-b')
    cleanups.push(() => b.close())
    b.alerts.start(interval)
    // b has tried for the lock three times while a holds it, and never got it
    await vi.waitFor(() => expect(lockTries.get('monitor-b') ?? 0).toBeGreaterThanOrEqual(3), {
      timeout: 5000,
    })
    expect(b.alerts.state().leader).toBe(false)
    expect(b.alerts.state().rules[0]?.lastEvaluation).toBeUndefined()

    // an acknowledgement made on the follower is applied by the leader within an interval
    const incidentId = (await a.incidents.list())[0]?.id as string
    const optimistic = await b.alerts.acknowledge(incidentId, 'ana')
    expect(optimistic).toMatchObject({ id: incidentId, status: 'acknowledged', acknowledgedBy: 'ana' })
    await vi.waitFor(async () => expect((await a.incidents.get(incidentId))?.status).toBe('acknowledged'), {
      timeout: 5000,
    })
    await expect(b.alerts.acknowledge('missing', 'ana')).rejects.toMatchObject({ code: 'MONITOR_NOT_FOUND' })

    // the leader "dies": it stops evaluating and its database sessions are killed
    await aLoop.stop()
    const admin = database(url, 'admin')
    await sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'monitor-a'`.execute(
      admin,
    )
    const killedAt = Date.now()
    await vi.waitFor(() => expect(b.alerts.state().rules[0]?.lastEvaluation).toBeDefined(), {
      timeout: 5000,
      interval: 10,
    })
    const takeover = Date.now() - killedAt
    expect(takeover).toBeLessThan(2 * interval + 300)
    expect(b.alerts.state().leader).toBe(true)
    expect(b.alerts.state().alerts[0]).toMatchObject({ state: 'firing' })
    await vi.waitFor(async () => expect((await b.incidents.get(incidentId))?.status).toBe('acknowledged'))
    // b restored the notification log: the firing group is not notified again, however many
    // evaluations (8 × 200 ms, past the 1 s group interval) and flushes b has made since
    const evaluations = async () =>
      (await b.registry.getSingleMetric('opskit_monitor_rules_evaluated_total')?.get())?.values[0]?.value ?? 0
    const firstEvaluations = await evaluations()
    await vi.waitFor(async () => expect(await evaluations()).toBeGreaterThanOrEqual(firstEvaluations + 8), {
      timeout: 5000,
    })
    expect(fake.requests).toHaveLength(1)
  })
})
