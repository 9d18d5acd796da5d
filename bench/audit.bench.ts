// @opskit/audit: durable group-committed log() against raw better-sqlite3 inserts of the same rows.
// Run: cd bench && node --expose-gc --import tsx audit.bench.ts
import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createAuditLog } from '@opskit/audit'
import { openSqlite } from '@opskit/core/sqlite'
import { openPostgres, startPostgres } from '@opskit/test-support'
import Database from 'better-sqlite3'
import { printRows } from './lib/compare.js'

// Stopping the bench's PostgreSQL ends pooled admin connections; those late errors are expected.
process.on('uncaughtException', (error: Error & { code?: string }) => {
  if (error.code === '57P01') return
  throw error
})

const CALLERS = 1_000
const PER_CALLER = 20
const TOTAL = CALLERS * PER_CALLER
const NAIVE = 1_000
const dir = mkdtempSync(join(tmpdir(), 'opskit-audit-bench-'))

const event = (caller: number, i: number) => ({
  action: 'document.view',
  category: 'data_access' as const,
  actor: { id: `user_${caller % 200}`, ip: '203.0.113.7', role: 'member' },
  target: { type: 'document', id: `doc_${caller}_${i}` },
  tenantId: 'acme',
  requestId: `req_${caller}_${i}`,
  metadata: { path: `/documents/doc_${caller}_${i}`, bytes: 1024 + i },
})

/**
 * Before each timed run: flush what earlier runs left for the kernel to write back (the raw run
 * writes ~20 MB), so that writeback does not land in the next case's fsyncs; then collect garbage.
 */
function settle(): void {
  execFileSync('sync')
  globalThis.gc?.()
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
}

/** Our log() with CALLERS concurrent callers, each logging PER_CALLER events in turn. */
async function runOurs(
  open: () => Parameters<typeof createAuditLog>[0]['db'],
  prefix: string,
  {
    encryptPersonalData = true,
    writerThread,
  }: { encryptPersonalData?: boolean; writerThread?: boolean } = {},
) {
  const db = open()
  const audit = await createAuditLog({
    db,
    tablePrefix: prefix,
    auditReads: false,
    encryptPersonalData,
    ...(writerThread === undefined ? {} : { writerThread }),
  })
  const latencies: number[] = []
  settle()
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CALLERS }, async (_, caller) => {
      for (let i = 0; i < PER_CALLER; i++) {
        const t0 = performance.now()
        await audit.log(event(caller, i))
        latencies.push(performance.now() - t0)
      }
    }),
  )
  const seconds = (performance.now() - started) / 1000
  const verifyStarted = performance.now()
  const verdict = await audit.verify()
  const verifySeconds = (performance.now() - verifyStarted) / 1000
  if (!verdict.ok || verdict.checked !== TOTAL)
    throw new Error(`verify failed: ${JSON.stringify(verdict.failures[0])}`)
  await audit.close()
  await db?.destroy()
  latencies.sort((a, b) => a - b)
  return {
    rate: TOTAL / seconds,
    p50: percentile(latencies, 50),
    p99: percentile(latencies, 99),
    verifyRate: TOTAL / verifySeconds,
  }
}

const COLUMNS =
  'chain_id, seq, id, tenant_id, occurred_at, recorded_at, actor_id, action, category, outcome, severity, target_type, target_id, body, leaf_hash, prev_hash, hash'

/** The rows our log wrote, to insert them again with raw better-sqlite3. */
function readRows(path: string, prefix: string): unknown[][] {
  const db = new Database(path, { readonly: true })
  const rows = db
    .prepare(`SELECT ${COLUMNS} FROM ${prefix}audit_events ORDER BY seq`)
    .raw()
    .all() as unknown[][]
  db.close()
  return rows
}

/** An empty database with our schema (same tables, indexes and triggers). */
async function emptySchema(path: string, prefix: string): Promise<void> {
  const db = openSqlite(path)
  await (await createAuditLog({ db, tablePrefix: prefix, auditReads: false })).close()
  await db.destroy()
}

function openRaw(path: string, synchronous: 'NORMAL' | 'FULL') {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma(`synchronous = ${synchronous}`)
  db.pragma('busy_timeout = 5000')
  return db
}

async function rawBatched(rows: unknown[][], prefix: string, round: number): Promise<number> {
  const path = join(dir, `raw-${round}.db`)
  await emptySchema(path, prefix)
  const db = openRaw(path, 'FULL')
  const insert = db.prepare(
    `INSERT INTO ${prefix}audit_events (${COLUMNS}) VALUES (${COLUMNS.split(',')
      .map(() => '?')
      .join(',')})`,
  )
  const batch = db.transaction((chunk: unknown[][]) => {
    for (const row of chunk) insert.run(row)
  })
  settle()
  const started = performance.now()
  for (let i = 0; i < rows.length; i += CALLERS) batch(rows.slice(i, i + CALLERS))
  const seconds = (performance.now() - started) / 1000
  db.close()
  return rows.length / seconds
}

async function naivePerEvent(rows: unknown[][], prefix: string): Promise<number> {
  const path = join(dir, 'naive.db')
  await emptySchema(path, prefix)
  const db = openRaw(path, 'FULL')
  const insert = db.prepare(
    `INSERT INTO ${prefix}audit_events (${COLUMNS}) VALUES (${COLUMNS.split(',')
      .map(() => '?')
      .join(',')})`,
  )
  const one = db.transaction((row: unknown[]) => insert.run(row))
  const sample = rows.slice(0, NAIVE)
  settle()
  const started = performance.now()
  for (const row of sample) one(row)
  const seconds = (performance.now() - started) / 1000
  db.close()
  return sample.length / seconds
}

const prefix = 'bench_'
// Best of three rounds, alternating ours and the baselines, so a noisy neighbour on this shared
// machine or a cold JIT does not decide the ratio.
type Run = Awaited<ReturnType<typeof runOurs>>
const best = (runs: Run[]) => runs.reduce((a, b) => (b.rate > a.rate ? b : a))
const defaultRuns: Run[] = []
const hostRuns: Run[] = []
const plainRuns: Run[] = []
const rawRuns: number[] = []
let rows: unknown[][] = []
const cases = [
  { name: 'default', runs: defaultRuns, settings: {} },
  { name: 'plain', runs: plainRuns, settings: { encryptPersonalData: false } },
  { name: 'host', runs: hostRuns, settings: { writerThread: false } },
]
for (let round = 0; round < 3; round++) {
  // Same file settings for all SQLite cases: WAL, synchronous=FULL (durable across power loss).
  // Each round starts with another case, so that no case always runs first (cold) or last.
  for (let i = 0; i < cases.length; i++) {
    const { name, runs, settings } = cases[(round + i) % cases.length] as (typeof cases)[number]
    const path = join(dir, `${name}-${round}.db`)
    runs.push(await runOurs(() => openSqlite(path, { synchronous: 'full' }), prefix, settings))
    if (name === 'default') rows = readRows(path, prefix)
  }
  rawRuns.push(await rawBatched(rows, prefix, round))
}
const ours = best(defaultRuns)
const oursPlain = best(plainRuns)
const oursHost = best(hostRuns)
const raw = Math.max(...rawRuns)
const naive = await naivePerEvent(rows, prefix)

const cluster = await startPostgres()
let pg: Awaited<ReturnType<typeof runOurs>>
try {
  const url = await cluster.createDatabase('audit_bench')
  pg = await runOurs(() => openPostgres(url, 10), prefix)
} finally {
  await cluster.stop()
}
rmSync(dir, { recursive: true, force: true })

printRows(
  `audit: durable log(), ${CALLERS} concurrent callers × ${PER_CALLER} (SQLite WAL, synchronous=FULL)`,
  [
    {
      case: 'log() (validate, encrypt PII, hash, chain, group commit in the writer thread, the default on a SQLite file) vs raw better-sqlite3 batched insert of the same rows',
      ours: ours.rate,
      baseline: raw,
      unit: 'events/s',
      target: '>= 0.6x',
    },
    {
      case: 'log() with writerThread: false (commits on the host connection) vs raw batched insert',
      ours: oursHost.rate,
      baseline: raw,
      unit: 'events/s',
      target: '>= 0.6x',
    },
    {
      case: 'log() without PII encryption vs raw batched insert',
      ours: oursPlain.rate,
      baseline: raw,
      unit: 'events/s',
      target: '>= 0.6x',
    },
    {
      case: `log() vs naive one transaction per event (synchronous=FULL, ${NAIVE} rows)`,
      ours: ours.rate,
      baseline: naive,
      unit: 'events/s',
      target: '>= 10x',
    },
    {
      case: `log() with writerThread: false vs naive one transaction per event (synchronous=FULL, ${NAIVE} rows)`,
      ours: oursHost.rate,
      baseline: naive,
      unit: 'events/s',
      target: '>= 10x',
    },
    {
      // What the 10x target asks for on this disk: log() at (10 / this ratio) of the raw rate.
      case: 'raw batched insert vs naive one transaction per event (the ceiling: log() reaches 10x naive only at 10 / this ratio of raw)',
      ours: raw,
      baseline: naive,
      unit: 'rows/s',
    },
    {
      case: 'log() latency p50 / p99 (ms, with 1,000 callers in flight)',
      ours: ours.p50,
      baseline: ours.p99,
      unit: 'ms',
      higherIsBetter: false,
    },
    {
      case: 'log() latency p50 / p99 with writerThread: false (ms)',
      ours: oursHost.p50,
      baseline: oursHost.p99,
      unit: 'ms',
      higherIsBetter: false,
    },
    {
      case: 'verify() rows/s (SQLite) vs log() events/s',
      ours: ours.verifyRate,
      baseline: ours.rate,
      unit: 'rows/s',
    },
    {
      case: 'PostgreSQL log() (same workload, pool of 10) vs SQLite log()',
      ours: pg.rate,
      baseline: ours.rate,
      unit: 'events/s',
    },
    {
      case: 'PostgreSQL log() latency p50 / p99 (ms)',
      ours: pg.p50,
      baseline: pg.p99,
      unit: 'ms',
      higherIsBetter: false,
    },
  ],
)
