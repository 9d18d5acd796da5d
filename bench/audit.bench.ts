// @opskit/audit: durable group-committed log() against raw inserts of the very rows it wrote, on
// SQLite (WAL, synchronous=FULL) and on PostgreSQL with its durable defaults (fsync, full page
// writes and synchronous commit on). Every case runs RUNS times, the cases alternating round by
// round; each row prints min/median/max and a target is met when the medians meet it.
// Run: cd bench && node --expose-gc --import tsx audit.bench.ts [--quick]
import { execFileSync } from 'node:child_process'
import { rmSync } from 'node:fs'
import { createAuditLog } from '@opskit/audit'
import { openSqlite } from '@opskit/core/sqlite'
import { openPostgres, startPostgres } from '@opskit/test-support'
import Database from 'better-sqlite3'
import { CompiledQuery, type Kysely } from 'kysely'
import { auditEvent, scratchFiles } from './lib/audit-workload.js'
import { alternate, printRows, ratioAtLeast, spread, timed } from './lib/compare.js'

// Stopping the bench's PostgreSQL ends pooled admin connections; those late errors are expected.
process.on('uncaughtException', (error: Error & { code?: string }) => {
  if (error.code === '57P01') return
  throw error
})

// --quick: a smoke run of the same code on a tenth of the events (its figures mean nothing).
const quick = process.argv.includes('--quick')
const RUNS = 5
const CALLERS = quick ? 100 : 1_000
const PER_CALLER = quick ? 10 : 20
const TOTAL = CALLERS * PER_CALLER
/** Rows per transaction of the raw baselines. */
const BATCH = 1_000
/** Rows the naive writer commits one by one (it runs ~10x slower than the others). */
const NAIVE = quick ? 100 : 1_000
const prefix = 'bench_'
const scratch = scratchFiles('opskit-audit-bench-')
const nextFile = scratch.next
const removeFile = scratch.remove
const event = auditEvent

/**
 * Before each timed run: flush what earlier runs left for the kernel to write back, so that
 * writeback does not land in the next case's fsyncs; then collect garbage.
 */
function settle(): void {
  execFileSync('sync')
  globalThis.gc?.()
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] as number
}

type HostDb = Parameters<typeof createAuditLog>[0]['db']

/** Our log() with CALLERS concurrent callers, each logging PER_CALLER events in turn. */
async function runOurs(
  db: HostDb,
  {
    encryptPersonalData = true,
    writerThread,
  }: { encryptPersonalData?: boolean; writerThread?: boolean } = {},
) {
  const audit = await createAuditLog({
    db,
    tablePrefix: prefix,
    auditReads: false,
    encryptPersonalData,
    ...(writerThread === undefined ? {} : { writerThread }),
  })
  const latencies: number[] = []
  settle()
  const seconds = await timed(() =>
    Promise.all(
      Array.from({ length: CALLERS }, async (_, caller) => {
        for (let i = 0; i < PER_CALLER; i++) {
          const t0 = performance.now()
          await audit.log(event(caller, i))
          latencies.push(performance.now() - t0)
        }
      }),
    ),
  )
  let verdict: Awaited<ReturnType<typeof audit.verify>> | undefined
  const verifySeconds = await timed(async () => {
    verdict = await audit.verify()
  })
  if (!verdict?.ok || verdict.checked !== TOTAL)
    throw new Error(`verify failed: ${JSON.stringify(verdict?.failures[0])}`)
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
type OursRun = Awaited<ReturnType<typeof runOurs>>

const COLUMN_LIST = [
  'chain_id',
  'seq',
  'id',
  'tenant_id',
  'occurred_at',
  'recorded_at',
  'actor_id',
  'action',
  'category',
  'outcome',
  'severity',
  'target_type',
  'target_id',
  'body',
  'leaf_hash',
  'prev_hash',
  'hash',
]
const COLUMNS = COLUMN_LIST.join(', ')
const table = `${prefix}audit_events`

/** An empty database with our schema (same tables, indexes and triggers), made by our migrations. */
async function emptySchema(db: HostDb): Promise<void> {
  await (await createAuditLog({ db, tablePrefix: prefix, auditReads: false })).close()
  await db?.destroy()
}

// --- SQLite -------------------------------------------------------------------------------------

function openRaw(path: string) {
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  db.pragma('busy_timeout = 5000')
  return db
}

async function sqliteOurs(settings: Parameters<typeof runOurs>[1]): Promise<OursRun> {
  const path = nextFile('ours')
  try {
    return await runOurs(openSqlite(path, { synchronous: 'full' }), settings)
  } finally {
    removeFile(path)
  }
}

/** Inserts `rows` with one prepared statement, `perTransaction` rows per transaction; rows/s. */
async function sqliteRaw(rows: unknown[][], perTransaction: number): Promise<number> {
  const path = nextFile('raw')
  await emptySchema(openSqlite(path))
  const db = openRaw(path)
  const insert = db.prepare(
    `INSERT INTO ${table} (${COLUMNS}) VALUES (${COLUMN_LIST.map(() => '?').join(',')})`,
  )
  const batch = db.transaction((chunk: unknown[][]) => {
    for (const row of chunk) insert.run(row)
  })
  settle()
  const seconds = await timed(() => {
    for (let i = 0; i < rows.length; i += perTransaction) batch(rows.slice(i, i + perTransaction))
  })
  db.close()
  removeFile(path)
  return rows.length / seconds
}

/** A warm-up run of our default log() whose rows the raw baselines insert again. */
async function sqliteRows(): Promise<unknown[][]> {
  const path = nextFile('rows')
  await runOurs(openSqlite(path, { synchronous: 'full' }))
  const db = new Database(path, { readonly: true })
  const rows = db.prepare(`SELECT ${COLUMNS} FROM ${table} ORDER BY seq`).raw().all() as unknown[][]
  db.close()
  removeFile(path)
  return rows
}

const sqliteRowsToInsert = await sqliteRows()
const naiveRows = sqliteRowsToInsert.slice(0, NAIVE)
const sqlite = await alternate<OursRun | number>(
  {
    default: () => sqliteOurs({}),
    plain: () => sqliteOurs({ encryptPersonalData: false }),
    host: () => sqliteOurs({ writerThread: false }),
    raw: () => sqliteRaw(sqliteRowsToInsert, BATCH),
    naive: () => sqliteRaw(naiveRows, 1),
  },
  { runs: RUNS },
)

// --- PostgreSQL, durable defaults ---------------------------------------------------------------

/** Inserts `rows` through one `unnest` statement per BATCH-row transaction on one connection; rows/s. */
async function postgresRaw(db: Kysely<Record<string, never>>, rows: unknown[][]): Promise<number> {
  const arrays = COLUMN_LIST.map(
    (column, i) =>
      `$${i + 1}::${['seq', 'occurred_at', 'recorded_at'].includes(column) ? 'bigint' : 'text'}[]`,
  )
  const statement = `INSERT INTO ${table} (${COLUMNS}) SELECT * FROM unnest(${arrays.join(', ')})`
  settle()
  const seconds = await timed(() =>
    db.connection().execute(async (connection) => {
      for (let i = 0; i < rows.length; i += BATCH) {
        const chunk = rows.slice(i, i + BATCH)
        const columns = COLUMN_LIST.map((_, c) => chunk.map((row) => row[c]))
        await connection.executeQuery(CompiledQuery.raw('BEGIN'))
        await connection.executeQuery(CompiledQuery.raw(statement, columns))
        await connection.executeQuery(CompiledQuery.raw('COMMIT'))
      }
    }),
  )
  return rows.length / seconds
}

const cluster = await startPostgres({ durable: true })
let postgres: Record<string, (OursRun | number)[]>
try {
  const rowsUrl = await cluster.createDatabase('audit_rows')
  await runOurs(openPostgres(rowsUrl, 10))
  const reader = openPostgres(rowsUrl, 1)
  const { rows: stored } = await reader.executeQuery<Record<string, unknown>>(
    CompiledQuery.raw(`SELECT ${COLUMNS} FROM ${table} ORDER BY seq`),
  )
  await reader.destroy()
  const pgRows = stored.map((row) => COLUMN_LIST.map((column) => row[column]))
  let databases = 0
  postgres = await alternate<OursRun | number>(
    {
      ours: async () => runOurs(openPostgres(await cluster.createDatabase(`audit_ours_${databases++}`), 10)),
      raw: async () => {
        const url = await cluster.createDatabase(`audit_raw_${databases++}`)
        await emptySchema(openPostgres(url, 2))
        const db = openPostgres(url, 1)
        try {
          return await postgresRaw(db, pgRows)
        } finally {
          await db.destroy()
        }
      },
    },
    { runs: RUNS },
  )
} finally {
  await cluster.stop()
}
rmSync(scratch.dir, { recursive: true, force: true })

const ours = (runs: (OursRun | number)[] | undefined) => runs as OursRun[]
const rates = (runs: (OursRun | number)[] | undefined) => spread(ours(runs).map((r) => r.rate))
const counts = (runs: (OursRun | number)[] | undefined) => spread(runs as number[])
const latency = (runs: (OursRun | number)[] | undefined, key: 'p50' | 'p99') =>
  spread(ours(runs).map((r) => r[key]))
const raw = counts(sqlite.raw)

printRows(
  `audit on SQLite (WAL, synchronous=FULL): durable log(), ${CALLERS} concurrent callers × ${PER_CALLER}, ${RUNS} alternating runs per case`,
  [
    {
      case: `log() (validate, encrypt PII, hash, chain, group commit in the writer thread; the default on a SQLite file) vs raw better-sqlite3 insert of the same rows, ${BATCH} per transaction`,
      ours: rates(sqlite.default),
      baseline: raw,
      unit: 'events/s',
      target: ratioAtLeast(0.7),
    },
    {
      case: 'log() with writerThread: false (commits on the host connection) vs the same raw insert',
      ours: rates(sqlite.host),
      baseline: raw,
      unit: 'events/s',
      target: ratioAtLeast(0.7),
    },
    {
      case: 'log() without PII encryption vs the same raw insert',
      ours: rates(sqlite.plain),
      baseline: raw,
      unit: 'events/s',
      target: ratioAtLeast(0.7),
    },
    {
      case: `context: log() vs a naive writer, one transaction per row (${NAIVE} of the same rows)`,
      ours: rates(sqlite.default),
      baseline: counts(sqlite.naive),
      unit: 'events/s',
    },
    {
      case: `context: raw insert, ${BATCH} per transaction, vs the naive writer (the most any writer gains over it on this disk)`,
      ours: raw,
      baseline: counts(sqlite.naive),
      unit: 'rows/s',
    },
    {
      case: `log() latency p50 (${CALLERS} callers in flight)`,
      ours: latency(sqlite.default, 'p50'),
      unit: 'ms',
    },
    { case: 'log() latency p99', ours: latency(sqlite.default, 'p99'), unit: 'ms' },
    { case: 'log() latency p50, writerThread: false', ours: latency(sqlite.host, 'p50'), unit: 'ms' },
    { case: 'log() latency p99, writerThread: false', ours: latency(sqlite.host, 'p99'), unit: 'ms' },
    {
      case: `verify() of the ${TOTAL.toLocaleString('en-US')} events`,
      ours: spread(ours(sqlite.default).map((r) => r.verifyRate)),
      unit: 'rows/s',
    },
  ],
)

printRows(
  `audit on PostgreSQL (durable defaults: fsync, full_page_writes, synchronous_commit on): the same workload, ${RUNS} alternating runs per case`,
  [
    {
      case: `log() (pool of 10) vs raw insert of the same rows, one unnest statement per ${BATCH}-row transaction`,
      ours: rates(postgres.ours),
      baseline: counts(postgres.raw),
      unit: 'events/s',
      target: ratioAtLeast(0.6),
    },
    {
      case: `log() latency p50 (${CALLERS} callers in flight)`,
      ours: latency(postgres.ours, 'p50'),
      unit: 'ms',
    },
    { case: 'log() latency p99', ours: latency(postgres.ours, 'p99'), unit: 'ms' },
  ],
)
