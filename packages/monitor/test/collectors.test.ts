/**
 * The pack's collectors against what the system itself reports: /proc (host CPU and memory), `df`
 * (statfs), PostgreSQL's pg_stat_activity (pool connections), SQLite's own page count (file
 * sizes); the default metrics reused, never registered twice; the pack's options validated with
 * nothing left registered on a failure.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { cpus, tmpdir } from 'node:os'
import { join } from 'node:path'
import { getHeapStatistics } from 'node:v8'
import { isOpskitError } from '@opskit/core'
import { openSqlite } from '@opskit/core/sqlite'
import { createFakeClock } from '@opskit/core/testing'
import { postgresUrl, tempSqlitePath } from '@opskit/test-support'
import { sql } from 'kysely'
import pg from 'pg'
import { Gauge } from 'prom-client'
import { afterEach, describe, expect, it } from 'vitest'
import { cachedRead } from '../src/collectors/cached-read.js'
import { createMonitor, installDefaultRulePack, type MetricsRegistry, type Monitor } from '../src/index.js'

const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function monitorWith(defaultMetrics = true): Promise<Monitor> {
  const monitor = await createMonitor({ serviceName: 'collectors', clock: createFakeClock(), defaultMetrics })
  cleanups.push(() => monitor.close())
  return monitor
}

/** The samples of a metric on the registry, as `labels → value`. */
async function samples(
  registry: MetricsRegistry,
  name: string,
): Promise<Array<{ labels: Record<string, string>; value: number }>> {
  const metric = registry.getSingleMetric(name)
  if (!metric) return []
  const got = await metric.get()
  return got.values.map((v) => ({ labels: v.labels as Record<string, string>, value: v.value }))
}

const typeLines = (text: string, name: string) => text.split('\n').filter((l) => l === `# TYPE ${name} gauge`)

describe('collectors', () => {
  it.runIf(existsSync('/proc/meminfo'))('host memory and CPU match /proc', async () => {
    const monitor = await monitorWith()
    const pack = await installDefaultRulePack(monitor)
    cleanups.push(() => pack.close())
    const memTotalKb = Number(/MemTotal:\s+(\d+) kB/.exec(readFileSync('/proc/meminfo', 'utf8'))?.[1])
    expect((await samples(monitor.registry, 'node_memory_MemTotal_bytes'))[0]?.value).toBe(memTotalKb * 1024)
    const avail = (await samples(monitor.registry, 'node_memory_MemAvailable_bytes'))[0]?.value ?? 0
    expect(avail).toBeGreaterThan(0)
    expect(avail).toBeLessThanOrEqual(memTotalKb * 1024)
    const cpu = await samples(monitor.registry, 'node_cpu_seconds_total')
    expect(cpu.length).toBe(cpus().length * 5)
    // /proc/stat: cpu0 user nice system idle … in USER_HZ (100 per second on Linux)
    const cpu0 = /^cpu0 (\d+) (\d+) (\d+) (\d+)/m.exec(readFileSync('/proc/stat', 'utf8'))
    const idle = cpu.find((s) => s.labels.cpu === '0' && s.labels.mode === 'idle')?.value ?? -1
    expect(Math.abs(idle - Number(cpu0?.[4]) / 100)).toBeLessThan(5)
  })

  it('disk space matches df for the same path', async () => {
    // on the root file system, where reserved blocks make "available" differ from "free"
    const dir = mkdtempSync(join(tmpdir(), 'opskit-df-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const monitor = await monitorWith()
    const pack = await installDefaultRulePack(monitor, { diskPaths: [dir], cacheMs: 0 })
    cleanups.push(() => pack.close())
    const [avail] = await samples(monitor.registry, 'node_filesystem_avail_bytes')
    const [size] = await samples(monitor.registry, 'node_filesystem_size_bytes')
    const dfLines = execFileSync('df', ['-B1', '--output=avail,size', dir], { encoding: 'utf8' })
      .trim()
      .split('\n')
    const [dfAvail, dfSize] = (dfLines[1] ?? '').trim().split(/\s+/).map(Number) as [number, number]
    expect(size).toEqual({ labels: { path: dir }, value: dfSize })
    expect(avail?.labels).toEqual({ path: dir })
    expect(Math.abs((avail?.value ?? 0) - dfAvail)).toBeLessThan(64 * 2 ** 20)
  })

  it('pg pool counts match pg_stat_activity and the pool', async () => {
    const appName = `opskit_pack_${process.pid}`
    const pool = new pg.Pool({ connectionString: postgresUrl(), max: 3, application_name: appName })
    cleanups.push(() => pool.end())
    const monitor = await monitorWith()
    const pack = await installDefaultRulePack(monitor, { pools: { main: pool } })
    cleanups.push(() => pack.close())
    const held = await Promise.all([pool.connect(), pool.connect()])
    const idle = await pool.connect()
    idle.release()
    try {
      const value = async (name: string) => (await samples(monitor.registry, name))[0]
      const observer = new pg.Client({ connectionString: postgresUrl() })
      await observer.connect()
      const { rows } = await observer.query<{ n: string }>(
        'select count(*) as n from pg_stat_activity where application_name = $1',
        [appName],
      )
      await observer.end()
      expect(await value('opskit_db_pool_open_connections')).toEqual({
        labels: { pool: 'main' },
        value: Number(rows[0]?.n),
      })
      expect((await value('opskit_db_pool_open_connections'))?.value).toBe(3)
      expect((await value('opskit_db_pool_idle_connections'))?.value).toBe(1)
      expect((await value('opskit_db_pool_max_connections'))?.value).toBe(3)
      expect((await value('opskit_db_pool_waiting_requests'))?.value).toBe(0)
    } finally {
      for (const c of held) c.release()
    }
  })

  it("SQLite file sizes match SQLite's own page count, and the WAL's growth", async () => {
    const file = tempSqlitePath()
    const db = openSqlite(file.path)
    cleanups.push(async () => {
      await db.destroy()
      file.cleanup()
    })
    await sql`create table t (x text)`.execute(db)
    await sql`insert into t select hex(randomblob(500)) from (with recursive n(i) as (select 1 union all select i + 1 from n where i < 2000) select i from n)`.execute(
      db,
    )
    const monitor = await monitorWith()
    const pack = await installDefaultRulePack(monitor, { sqlite: { app: db }, cacheMs: 0 })
    cleanups.push(() => pack.close())
    const wal = async () => (await samples(monitor.registry, 'opskit_sqlite_wal_bytes'))[0]?.value ?? -1
    expect(await wal()).toBeGreaterThan(2000 * 500)
    await sql`pragma wal_checkpoint(truncate)`.execute(db)
    const pages = await sql<{
      n: number
    }>`select page_count * page_size as n from pragma_page_count, pragma_page_size`.execute(db)
    expect(await wal()).toBe(0)
    expect((await samples(monitor.registry, 'opskit_sqlite_database_bytes'))[0]).toEqual({
      labels: { database: 'app' },
      value: pages.rows[0]?.n,
    })
    const [wait] = await samples(monitor.registry, 'opskit_sqlite_connection_wait_seconds')
    expect(wait?.labels).toEqual({ database: 'app' })
    expect(wait?.value).toBeLessThan(0.5)
  })

  it('reuses the default metrics when registered, adds them when not, and removes what it added on close', async () => {
    const withDefaults = await monitorWith(true)
    const a = await installDefaultRulePack(withDefaults)
    const text = await withDefaults.registry.metrics()
    expect(typeLines(text, 'nodejs_eventloop_lag_p99_seconds')).toHaveLength(1)
    a.close()
    expect(withDefaults.registry.getSingleMetric('nodejs_eventloop_lag_p99_seconds')).toBeDefined()
    expect(withDefaults.registry.getSingleMetric('node_load1')).toBeUndefined()

    const bare = await monitorWith(false)
    expect(bare.registry.getSingleMetric('process_start_time_seconds')).toBeUndefined()
    const b = await installDefaultRulePack(bare)
    for (const name of [
      'process_start_time_seconds',
      'nodejs_eventloop_lag_p99_seconds',
      'nodejs_heap_size_used_bytes',
    ])
      expect(bare.registry.getSingleMetric(name), name).toBeDefined()
    expect((await samples(bare.registry, 'nodejs_heap_size_limit_bytes'))[0]?.value).toBe(
      getHeapStatistics().heap_size_limit,
    )
    b.close()
    expect(bare.registry.getSingleMetric('process_start_time_seconds')).toBeUndefined()
    expect(bare.alerts.state().rules).toEqual([])
  })

  it.runIf(existsSync('/usr/bin/promtool'))(
    'the exposition passes promtool check metrics but for names chosen on purpose',
    async () => {
      const monitor = await monitorWith()
      const pool = { totalCount: 1, idleCount: 1, waitingCount: 0, options: { max: 4 } }
      const pack = await installDefaultRulePack(monitor, { diskPaths: [tmpdir()], pools: { main: pool } })
      cleanups.push(() => pack.close())
      const text = await monitor.registry.metrics()
      const run = spawnSync('/usr/bin/promtool', ['check', 'metrics'], { input: text, encoding: 'utf8' })
      const problems = `${run.stdout}${run.stderr}`.split('\n').filter((l) => l.trim() !== '')
      // node_exporter's own camelCase names, and prom-client's gauges named *_total: nothing of the pack's own
      const accepted =
        /^(node_memory_Mem(Total|Available)_bytes metric names should be written in 'snake_case'|nodejs_active_\w+_total non-counter metrics)/
      expect(problems.filter((l) => !accepted.test(l))).toEqual([])
      for (const name of [
        'node_filesystem_avail_bytes',
        'opskit_db_pool_waiting_requests',
        'node_cpu_seconds_total',
        'nodejs_heap_size_limit_bytes',
      ])
        expect(text).toContain(`# TYPE ${name} `)
    },
  )

  it('a statfs result is shared by concurrent collections and reused for cacheMs', async () => {
    let reads = 0
    const read = cachedRead(async () => {
      reads++
      await new Promise((r) => setTimeout(r, 20))
      return reads
    }, 200)
    expect(await Promise.all([read.get(), read.get(), read.get()])).toEqual([1, 1, 1])
    expect(await read.get()).toBe(1)
    await new Promise((r) => setTimeout(r, 250))
    expect(await read.get()).toBe(2)
  })
})

describe('installDefaultRulePack: options', () => {
  const names = (registry: MetricsRegistry) =>
    registry
      .getMetricsAsArray()
      .map((m) => m.name)
      .sort()

  it('rejects bad options with MONITOR_INVALID_OPTIONS and registers nothing', async () => {
    const monitor = await monitorWith()
    const before = names(monitor.registry)
    const bad: unknown[] = [
      { thresholds: { heapUsedRatio: 1.5 } },
      { thresholds: { latencySeconds: 0.3 } },
      { thresholds: { restartWindow: '15 minutes' } },
      { pools: { main: { totalCount: 1 } } },
      { for: { DiskSpaceLow: 'soon' } },
      { disable: ['NoSuchRule'] },
      { labels: { severity: 'page' } },
      { unknown: true },
    ]
    for (const options of bad) {
      const error = await installDefaultRulePack(monitor, options as never).catch((e: unknown) => e)
      expect(isOpskitError(error, 'MONITOR_INVALID_OPTIONS'), JSON.stringify(options)).toBe(true)
    }
    expect(names(monitor.registry)).toEqual(before)
    expect(monitor.alerts.state().rules).toEqual([])
  })

  it('refuses an unreadable disk path and a PostgreSQL handle as sqlite, leaving the registry as it was', async () => {
    const monitor = await monitorWith(false)
    const before = names(monitor.registry)
    const missing = await installDefaultRulePack(monitor, { diskPaths: ['/no/such/dir'] }).catch(
      (e: unknown) => e,
    )
    expect(isOpskitError(missing, 'MONITOR_INVALID_OPTIONS')).toBe(true)
    expect(String((missing as Error).message)).toContain('/no/such/dir')
    const { openPostgres } = await import('@opskit/test-support')
    const pgDb = openPostgres(postgresUrl(), 1)
    cleanups.push(() => pgDb.destroy())
    const wrong = await installDefaultRulePack(monitor, { sqlite: { main: pgDb } }).catch((e: unknown) => e)
    expect(isOpskitError(wrong, 'MONITOR_INVALID_OPTIONS')).toBe(true)
    expect(names(monitor.registry)).toEqual(before)
    // and a later install on the same monitor works
    const pack = await installDefaultRulePack(monitor)
    pack.close()
  })

  it('rolls back a collector that fails halfway', async () => {
    const monitor = await monitorWith(false)
    // the host has its own metric of one of the SQLite collector's names: that collector fails after its first gauge
    new Gauge({ name: 'opskit_sqlite_wal_bytes', help: 'the host', registers: [monitor.registry] })
    const before = names(monitor.registry)
    const file = tempSqlitePath()
    const db = openSqlite(file.path)
    cleanups.push(async () => {
      await db.destroy()
      file.cleanup()
    })
    const clash = await installDefaultRulePack(monitor, { sqlite: { app: db } }).catch((e: unknown) => e)
    expect(isOpskitError(clash, 'MONITOR_INVALID_OPTIONS')).toBe(true)
    expect(names(monitor.registry)).toEqual(before)
  })

  it('lets only one of two concurrent installs on one registry through', async () => {
    const monitor = await monitorWith()
    const results = await Promise.allSettled([
      installDefaultRulePack(monitor),
      installDefaultRulePack(monitor),
    ])
    expect(results.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected'])
    for (const r of results) if (r.status === 'fulfilled') r.value.close()
  })

  it('refuses a second install on one registry until the first is closed', async () => {
    const monitor = await monitorWith()
    const pack = await installDefaultRulePack(monitor, { disable: ['InstanceDown'] })
    expect(pack.rules.map((r) => r.name)).not.toContain('InstanceDown')
    expect(monitor.alerts.state().rules).toHaveLength(pack.rules.length)
    const again = await installDefaultRulePack(monitor).catch((e: unknown) => e)
    expect(isOpskitError(again, 'MONITOR_INVALID_OPTIONS')).toBe(true)
    pack.close()
    pack.close()
    const second = await installDefaultRulePack(monitor, {
      thresholds: { httpErrorRatio: 0.02 },
      for: { HttpErrorRatioHigh: '10m' },
    })
    const rule = second.rules.find((r) => r.name === 'HttpErrorRatioHigh')
    expect(rule?.for).toBe('10m')
    expect(rule?.expr).toContain('> 0.02 and')
    second.close()
  })
})
