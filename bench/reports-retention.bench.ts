// @opskit/reports retention (issue 21): how fast applyRetention purges finished runs together
// with their artifact files (tombstone → file → row, in adaptive batches), how fast the orphan
// sweep deletes files without a row, and what a purge costs a writer recording runs meanwhile
// (p99 of insertRun + finishRun during the purge against without it). On SQLite (WAL,
// synchronous=FULL) and on PostgreSQL with its durable defaults; artifacts on the filesystem
// adapter. Every case runs RUNS times on fresh data; rows print min/median/max.
// Run: cd bench && node --expose-gc --import tsx reports-retention.bench.ts [--quick]
import { randomUUID } from 'node:crypto'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { HostDatabase } from '@opskit/core'
import { openSqlite } from '@opskit/core/sqlite'
import {
  createFilesystemStorage,
  createKyselyReportsStore,
  createReports,
  type RunRecord,
} from '@opskit/reports'
import { openPostgres, startPostgres } from '@opskit/test-support'
import { type Spread, spread } from './lib/compare.js'

// Stopping the bench's PostgreSQL ends pooled admin connections; those late errors are expected.
process.on('uncaughtException', (error: Error & { code?: string }) => {
  if (error.code === '57P01') return
  throw error
})

// --quick: a smoke run of the same code on a tenth of the runs (its figures mean nothing).
const quick = process.argv.includes('--quick')
const RUNS = quick ? 1 : 3
/** Finished runs (each with a file) seeded per case. */
const RUN_COUNT = quick ? 2_000 : 20_000
const REPORTS = 50
const ORPHANS = quick ? 1_000 : 10_000
const DAY = 24 * 3_600_000
const root = mkdtempSync(join(tmpdir(), 'reports-retention-bench-'))

/** Seeds `count` finished runs 100 days old (spread over REPORTS reports) with a small file each. */
async function seed(db: HostDatabase, dir: string, count: number): Promise<void> {
  const store = await createKyselyReportsStore({ db })
  const started = Date.now() - 100 * DAY
  const rows: Record<string, unknown>[] = []
  for (let i = 0; i < count; i++) {
    const id = randomUUID()
    const key = `reports._.${id}.csv`
    writeFileSync(join(dir, key), `n\r\n${i}\r\n`)
    rows.push({
      id,
      tenant_id: '',
      report: `report-${i % REPORTS}`,
      format: 'csv',
      params: '{}',
      status: 'succeeded',
      rows: 1,
      bytes: 8,
      sha256: null,
      duration_ms: 1,
      error: null,
      storage_key: key,
      filename: `${id}.csv`,
      content_type: 'text/csv',
      schedule_id: null,
      started_at: started + i,
      finished_at: started + i + 1,
    })
  }
  for (let i = 0; i < rows.length; i += 500)
    await db
      .insertInto('opskit_reports_runs')
      .values(rows.slice(i, i + 500))
      .execute()
  await store.close()
}

/** A writer recording runs back to back until `stop` resolves; returns each run's latency (ms). */
async function writer(db: HostDatabase, stop: Promise<void>): Promise<number[]> {
  const store = await createKyselyReportsStore({ db })
  const latencies: number[] = []
  let stopped = false
  void stop.then(() => {
    stopped = true
  })
  while (!stopped) {
    const id = randomUUID()
    const run: RunRecord = {
      id,
      tenantId: '',
      report: 'live',
      format: 'csv',
      params: {},
      status: 'running',
      rows: 0,
      bytes: 0,
      sha256: null,
      durationMs: 0,
      error: null,
      storageKey: null,
      filename: 'live.csv',
      contentType: 'text/csv',
      scheduleId: null,
      startedAt: new Date(),
      finishedAt: null,
    }
    const began = performance.now()
    await store.insertRun(run)
    await store.finishRun('', id, { ...run, status: 'succeeded', finishedAt: new Date() })
    latencies.push(performance.now() - began)
    // A real writer waits for its next request: let timers and the purge's batches run.
    await new Promise((resolve) => setImmediate(resolve))
  }
  return latencies
}

const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.99)] ?? 0

interface CaseFigures {
  purgedPerSecond: number
  keepLastPerSecond: number
  orphansPerSecond: number
  p99Idle: number
  p99DuringPurge: number
}

/** One round on a fresh database: purge by age with a writer, purge by keepLast, sweep orphans. */
async function round(open: () => Promise<HostDatabase>, label: string, n: number): Promise<CaseFigures> {
  const dir = join(root, `${label}-${n}`)
  mkdirSync(dir, { recursive: true })
  const db = await open()
  const reports = await createReports({ db, storage: createFilesystemStorage({ directory: dir }) })
  await seed(db, dir, RUN_COUNT)
  // The writer alone for a second: its p99 without a purge.
  let release = () => {}
  const idle = writer(db, new Promise((resolve) => setTimeout(resolve, 1_000)))
  const p99Idle = p99(await idle)
  // Purge everything older than 30 days while the writer keeps recording runs.
  const during = writer(db, new Promise<void>((resolve) => (release = resolve)))
  const began = performance.now()
  const purged = await reports.applyRetention({ runs: { olderThan: '30d' } })
  const purgeMs = performance.now() - began
  release()
  const p99DuringPurge = p99(await during)
  if (purged.removed.runs !== RUN_COUNT) throw new Error(`purged ${purged.removed.runs} of ${RUN_COUNT}`)
  // keepLast alone: a window function per batch.
  await seed(db, dir, RUN_COUNT)
  const keepBegan = performance.now()
  const kept = await reports.applyRetention({ runs: { keepLast: 10 } })
  const keepMs = performance.now() - keepBegan
  // Orphans: artifact files no row names.
  for (let i = 0; i < ORPHANS; i++) writeFileSync(join(dir, `reports._.${randomUUID()}.csv`), 'x')
  const sweepBegan = performance.now()
  const swept = await reports.sweepOrphans()
  const sweepMs = performance.now() - sweepBegan
  if (swept.orphanObjects !== ORPHANS) throw new Error(`swept ${swept.orphanObjects} of ${ORPHANS}`)
  await reports.close()
  await db.destroy()
  rmSync(dir, { recursive: true, force: true })
  return {
    purgedPerSecond: (purged.removed.runs / purgeMs) * 1000,
    keepLastPerSecond: (kept.removed.runs / keepMs) * 1000,
    orphansPerSecond: (ORPHANS / sweepMs) * 1000,
    p99Idle,
    p99DuringPurge,
  }
}

const fmt = (s: Spread, digits = 0) =>
  `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`

function print(label: string, figures: CaseFigures[]): void {
  const of = (key: keyof CaseFigures) => spread(figures.map((f) => f[key]))
  console.log(`\n${label}: ${RUN_COUNT} finished runs with files, ${REPORTS} reports, ${RUNS} run(s)`)
  console.table({
    'runs purged/s (olderThan, writer running)': fmt(of('purgedPerSecond')),
    'runs purged/s (keepLast 10 per report)': fmt(of('keepLastPerSecond')),
    'orphan files swept/s': fmt(of('orphansPerSecond')),
    'writer p99 ms without purge': fmt(of('p99Idle'), 2),
    'writer p99 ms during purge': fmt(of('p99DuringPurge'), 2),
  })
}

let sqliteRounds = 0
const sqlite: CaseFigures[] = []
for (let i = 0; i < RUNS; i++)
  sqlite.push(await round(async () => openSqlite(join(root, `sqlite-${sqliteRounds++}.db`)), 'sqlite', i))
print('SQLite', sqlite)

const cluster = await startPostgres({ durable: true })
try {
  let pgRounds = 0
  const postgres: CaseFigures[] = []
  for (let i = 0; i < RUNS; i++)
    postgres.push(
      await round(
        async () => openPostgres(await cluster.createDatabase(`reports_retention_${pgRounds++}`), 10),
        'postgres',
        i,
      ),
    )
  print('PostgreSQL', postgres)
} finally {
  await cluster.stop()
  rmSync(root, { recursive: true, force: true })
}
