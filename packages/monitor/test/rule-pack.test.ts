/**
 * The default rule pack on a real monitor: each rule's condition is driven for real (a blocked
 * event loop, a grown heap, 5xx and slow responses from a node:http server, a pg.Pool with every
 * client checked out and a waiter, a SQLite handle held by a transaction, a file system fuller
 * than the threshold, restarts and `up` of a peer pushed as Prometheus would see them) and the rule
 * is seen pending, then firing after its `for`, through the monitor's engine on a fake clock.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { getHeapStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import type { HostDatabase } from '@opskit/core'
import { openSqlite } from '@opskit/core/sqlite'
import { createFakeClock } from '@opskit/core/testing'
import { postgresUrl, tempSqlitePath } from '@opskit/test-support'
import pg from 'pg'
import { afterEach, describe, expect, it } from 'vitest'
import {
  createMonitor,
  type DefaultRulePackOptions,
  installDefaultRulePack,
  type Monitor,
  readDiskSpace,
} from '../src/index.js'
import { get, listen } from './helpers/http.js'

const T0 = Date.UTC(2026, 0, 1)
const MIN = 60_000
const cleanups: Array<() => Promise<void> | void> = []
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c()
})

async function packed(options: DefaultRulePackOptions = {}, defaultMetrics = true): Promise<Monitor> {
  const monitor = await createMonitor({ serviceName: 'pack', clock: createFakeClock(T0), defaultMetrics })
  const pack = await installDefaultRulePack(monitor, options)
  cleanups.push(async () => {
    pack.close()
    await monitor.close()
  })
  return monitor
}

/** The state of the rule's instances after evaluating at `T0 + minutes`. */
async function stateAt(monitor: Monitor, rule: string, minutes: number): Promise<string[]> {
  await monitor.alerts.evaluate(T0 + minutes * MIN)
  return monitor.alerts
    .state()
    .alerts.filter((a) => a.labels.alertname === rule && a.state !== 'inactive')
    .map((a) => a.state)
}

function busyLoop(ms: number): void {
  const end = performance.now() + ms
  while (performance.now() < end) {
    // blocks the event loop on purpose
  }
}

/** A full garbage collection (V8's `gc`, exposed for this test only). */
function collectGarbage(): void {
  setFlagsFromString('--expose-gc')
  ;(runInNewContext('gc') as () => void)()
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const settle = () => sleep(50)

/**
 * Blocks the event loop for 600 ms from a fresh macrotask, then lets the loop-delay monitor's
 * timer tick so the delay is recorded before the next collection reads it.
 */
async function blockEventLoop(): Promise<void> {
  await sleep(20)
  busyLoop(600)
  await sleep(100)
}

describe('default rule pack: each rule fires when its condition is driven', () => {
  it('EventLoopLagHigh: a busy loop before each evaluation', async () => {
    const monitor = await packed()
    await monitor.registry.getMetricsAsJSON() // resets the delay histogram: whatever stalled before is gone
    await settle()
    expect(await stateAt(monitor, 'EventLoopLagHigh', 0)).toEqual([])
    await blockEventLoop()
    expect(await stateAt(monitor, 'EventLoopLagHigh', 1)).toEqual(['pending'])
    await blockEventLoop()
    expect(await stateAt(monitor, 'EventLoopLagHigh', 3)).toEqual(['firing'])
    await sleep(200)
    expect(await stateAt(monitor, 'EventLoopLagHigh', 4)).toEqual([])
  })

  it('HeapUsageHigh: 128 MB of live arrays cross a threshold 48 MB above the current heap', async () => {
    collectGarbage() // so that the baseline is the live heap, not garbage a later GC would free
    const { used_heap_size, heap_size_limit } = getHeapStatistics()
    const heapUsedRatio = (used_heap_size + 48 * 2 ** 20) / heap_size_limit
    const monitor = await packed({ thresholds: { heapUsedRatio } })
    expect(await stateAt(monitor, 'HeapUsageHigh', 0)).toEqual([])
    const held = Array.from({ length: 16 }, (_, i) => new Array<number>(1 << 20).fill(i + 0.5))
    expect(await stateAt(monitor, 'HeapUsageHigh', 1)).toEqual(['pending'])
    expect(await stateAt(monitor, 'HeapUsageHigh', 6)).toEqual(['firing'])
    expect(held.length).toBe(16)
  })

  it('HttpErrorRatioHigh and HttpLatencyBudgetBurn: 5xx and slow responses of a real server', async () => {
    const monitor = await packed()
    const app = monitor.http.wrap(
      (req, res) => {
        if (req.url === '/fail') res.writeHead(500).end()
        else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end(), 600)
        else res.writeHead(200).end()
      },
      { routes: ['/ok', '/fail', '/slow'] },
    )
    const server = await listen(app)
    cleanups.push(server.close)
    const traffic = async () => {
      const paths = [...Array(10).fill('/ok'), ...Array(10).fill('/fail'), ...Array(4).fill('/slow')]
      for (const r of await Promise.all(paths.map((p) => get(`${server.url}${p}`))))
        expect([200, 500]).toContain(r.status)
    }
    const states = async (minutes: number) =>
      Promise.all([
        stateAt(monitor, 'HttpErrorRatioHigh', minutes),
        stateAt(monitor, 'HttpLatencyBudgetBurn', minutes),
      ])
    await traffic()
    expect(await states(0)).toEqual([[], []])
    await traffic()
    expect(await states(1)).toEqual([['pending'], ['pending']])
    await traffic()
    expect(await states(3)).toEqual([['pending'], ['firing']])
    await traffic()
    expect(await states(6)).toEqual([['firing'], ['firing']])
  })

  it('DatabasePoolSaturated: a pg.Pool with both clients checked out and a waiter', async () => {
    const pool = new pg.Pool({ connectionString: postgresUrl(), max: 2 })
    cleanups.push(() => pool.end())
    const monitor = await packed({ pools: { main: pool } })
    const a = await pool.connect()
    const b = await pool.connect()
    let queued: Promise<pg.PoolClient> | undefined
    try {
      expect(await stateAt(monitor, 'DatabasePoolSaturated', 0)).toEqual([])
      queued = pool.connect()
      expect(pool.waitingCount).toBe(1)
      expect(await stateAt(monitor, 'DatabasePoolSaturated', 1)).toEqual(['pending'])
      expect(await stateAt(monitor, 'DatabasePoolSaturated', 3)).toEqual(['firing'])
    } finally {
      a.release()
      ;(await queued)?.release()
      b.release()
    }
    expect(await stateAt(monitor, 'DatabasePoolSaturated', 4)).toEqual([])
  })

  it('SqliteConnectionContended: a transaction holds the handle while the probe queues', async () => {
    const file = tempSqlitePath()
    const db: HostDatabase = openSqlite(file.path)
    cleanups.push(async () => {
      await db.destroy()
      file.cleanup()
    })
    const monitor = await packed({
      sqlite: { app: db },
      thresholds: { sqliteWaitSeconds: 0.08 },
      sqliteProbeTimeoutMs: 150,
    })
    expect(await stateAt(monitor, 'SqliteConnectionContended', 0)).toEqual([])
    let release = () => {}
    const held = new Promise<void>((r) => (release = r))
    let entered = () => {}
    const inside = new Promise<void>((r) => (entered = r))
    const transaction = db.transaction().execute(async () => {
      entered()
      await held
    })
    await inside
    const started = performance.now()
    expect(await stateAt(monitor, 'SqliteConnectionContended', 1)).toEqual(['pending'])
    expect(await stateAt(monitor, 'SqliteConnectionContended', 3)).toEqual(['firing'])
    // the held connection never holds the evaluations up for more than the probe's timeout each
    expect(performance.now() - started).toBeLessThan(2 * 150 + 1000)
    release()
    await transaction
    await settle()
    expect(await stateAt(monitor, 'SqliteConnectionContended', 4)).toEqual([])
  })

  it('DiskSpaceLow: a threshold just above the free share of a real file system, and just below', async () => {
    const base = existsSync('/dev/shm') ? '/dev/shm' : tmpdir()
    const dir = mkdtempSync(join(base, 'opskit-disk-'))
    cleanups.push(() => rmSync(dir, { recursive: true, force: true }))
    const { availBytes, sizeBytes } = await readDiskSpace(dir)
    const free = availBytes / sizeBytes
    const above = await packed({
      diskPaths: [dir],
      cacheMs: 0,
      thresholds: { diskFreeRatio: Math.min(1, free + 0.02) },
    })
    expect(await stateAt(above, 'DiskSpaceLow', 0)).toEqual(['pending'])
    expect(await stateAt(above, 'DiskSpaceLow', 5)).toEqual(['firing'])
    const firing = above.alerts.state().alerts.find((a) => a.labels.alertname === 'DiskSpaceLow')
    expect(firing?.labels.path).toBe(dir)
    expect(Number(firing?.value)).toBeCloseTo(free, 2)
  })

  it('DiskSpaceLow stays quiet below the free share', async () => {
    const dir = existsSync('/dev/shm') ? '/dev/shm' : tmpdir()
    const { availBytes, sizeBytes } = await readDiskSpace(dir)
    const below = Math.max(0.0001, availBytes / sizeBytes - 0.02)
    const monitor = await packed({ diskPaths: [dir], cacheMs: 0, thresholds: { diskFreeRatio: below } })
    expect(await stateAt(monitor, 'DiskSpaceLow', 0)).toEqual([])
    expect(await stateAt(monitor, 'DiskSpaceLow', 5)).toEqual([])
  })

  it('ProcessRestarting and InstanceDown: a peer restarting and down, as pushed samples', async () => {
    const monitor = await packed()
    const peer = { job: 'tickets', instance: 'worker-2' }
    const push = (start: number, up: number) => {
      monitor.alerts.samples.set('process_start_time_seconds', peer, start)
      monitor.alerts.samples.set('up', peer, up)
    }
    const states = async (minutes: number) =>
      Promise.all([stateAt(monitor, 'ProcessRestarting', minutes), stateAt(monitor, 'InstanceDown', minutes)])
    push(100, 1)
    expect(await states(0)).toEqual([[], []])
    push(200, 0)
    expect(await states(1)).toEqual([[], ['pending']])
    push(300, 0)
    expect(await states(2)).toEqual([[], ['pending']])
    push(400, 0)
    expect(await states(3)).toEqual([['pending'], ['pending']])
    expect(await states(4)).toEqual([['firing'], ['pending']])
    expect(await states(6)).toEqual([['firing'], ['firing']])
    // this process's own start time (from the default metrics) never changed: only the peer alerts
    const alerts = monitor.alerts.state().alerts.filter((a) => a.labels.alertname === 'ProcessRestarting')
    expect(alerts.map((a) => a.labels.instance)).toEqual(['worker-2'])
  })
})
