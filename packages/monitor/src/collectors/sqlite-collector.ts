import { stat } from 'node:fs/promises'
import type { HostDatabase } from '@opskit/core'
import { dialectOf, readSqliteSettings } from '@opskit/core/internal'
import { sql } from 'kysely'
import { MonitorError } from '../errors/monitor-error.js'
import type { MetricsRegistry } from '../metrics/register.js'
import { cachedRead } from './cached-read.js'
import type { CollectorErrorHandler } from './collector-errors.js'
import { ownGauge } from './own-gauge.js'

/** The names {@link registerSqliteCollector} registers, each labelled `database`. */
export const SQLITE_METRICS = {
  wait: 'opskit_sqlite_connection_wait_seconds',
  database: 'opskit_sqlite_database_bytes',
  wal: 'opskit_sqlite_wal_bytes',
} as const

/** Options of {@link registerSqliteCollector}. */
export interface SqliteCollectorOptions {
  /** The SQLite handles (`openSqlite(path)` from `@opskit/core/sqlite`), by the name used as label. */
  databases: Readonly<Record<string, HostDatabase>>
  /** How long a collection waits for the probe before reporting the wait so far. @default 1000 */
  probeTimeoutMs?: number
  /** How long file sizes are reused. @default 10_000 */
  cacheMs?: number
  onError: CollectorErrorHandler
}

/** One handle's probe: a `select 1` queued behind whatever holds the handle's one connection. */
interface Probe {
  readonly name: string
  readonly db: HostDatabase
  readonly file: string | undefined
  running: { startedAt: number; done: Promise<void> } | undefined
  lastWaitSeconds: number
}

async function fileBytes(path: string): Promise<number> {
  try {
    return (await stat(path)).size
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 0
    throw error
  }
}

/** The wait to report: the probe's if it finished within `timeoutMs`, else the time waited so far. */
async function measureWait(probe: Probe, timeoutMs: number, onError: CollectorErrorHandler): Promise<number> {
  if (!probe.running) {
    const startedAt = performance.now()
    const done = sql`select 1`.execute(probe.db).then(
      () => {
        probe.lastWaitSeconds = (performance.now() - startedAt) / 1000
        probe.running = undefined
      },
      (error: unknown) => {
        probe.running = undefined
        onError(`sqlite ${probe.name}`, error)
      },
    )
    probe.running = { startedAt, done }
  }
  const running = probe.running
  let timer: NodeJS.Timeout | undefined
  await Promise.race([running.done, new Promise<void>((r) => (timer = setTimeout(r, timeoutMs)))])
  clearTimeout(timer)
  return probe.running ? (performance.now() - running.startedAt) / 1000 : probe.lastWaitSeconds
}

/**
 * Registers what an opskit SQLite handle has instead of a pool. Kysely's SQLite driver runs one
 * query or transaction at a time on its single better-sqlite3 connection and queues the others,
 * so the pool's "waiting requests" become the time a probe (`select 1`) waits for that connection
 * (`opskit_sqlite_connection_wait_seconds`; a probe still queued after `probeTimeoutMs` reports
 * its wait so far and keeps its place). Also the sizes of the database and WAL files (a WAL that
 * keeps growing means checkpoints are starved by long readers). Validates that each handle is
 * SQLite; returns the names registered.
 */
export async function registerSqliteCollector(
  registry: MetricsRegistry,
  options: SqliteCollectorOptions,
): Promise<string[]> {
  const probes: Probe[] = []
  for (const [name, db] of Object.entries(options.databases)) {
    if (dialectOf(db) !== 'sqlite')
      throw new MonitorError(
        'MONITOR_INVALID_OPTIONS',
        `sqlite.${name}: not a SQLite handle (use pools for PostgreSQL)`,
      )
    const { file } = await readSqliteSettings(db)
    probes.push({ name, db, file, running: undefined, lastWaitSeconds: 0 })
  }
  const timeoutMs = options.probeTimeoutMs ?? 1000
  ownGauge(
    registry,
    SQLITE_METRICS.wait,
    'Seconds a probe query waited for the SQLite handle (one connection; queries queue behind the running one).',
    ['database'],
    async function collect() {
      const waits = await Promise.all(probes.map((p) => measureWait(p, timeoutMs, options.onError)))
      this.reset()
      for (const [i, p] of probes.entries()) this.set({ database: p.name }, waits[i] as number)
    },
  )
  const sizes = cachedRead(async () => {
    const out: Array<{ database: string; main: number; wal: number }> = []
    for (const p of probes) {
      if (!p.file) continue
      try {
        out.push({ database: p.name, main: await fileBytes(p.file), wal: await fileBytes(`${p.file}-wal`) })
      } catch (error) {
        options.onError(`sqlite ${p.name}`, error)
      }
    }
    return out
  }, options.cacheMs ?? 10_000)
  for (const [metric, help, field] of [
    [SQLITE_METRICS.database, 'Size of the SQLite database file in bytes.', 'main'],
    [SQLITE_METRICS.wal, 'Size of the SQLite write-ahead log in bytes.', 'wal'],
  ] as const) {
    ownGauge(registry, metric, help, ['database'], async function collect() {
      const list = await sizes.get()
      this.reset()
      for (const s of list) this.set({ database: s.database }, s[field])
    })
  }
  return Object.values(SQLITE_METRICS)
}
