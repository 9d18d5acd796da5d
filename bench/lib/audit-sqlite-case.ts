// @opskit/audit on SQLite only: durable log() (with and without PII encryption) against raw
// batched inserts of the very rows it wrote, the same workload as audit.bench.ts, alternating.
// For A/B work on the writer path without the PostgreSQL half of the full bench; besides events/s
// it prints the CPU time of the main thread, of the busiest other thread (the writer thread; in
// the raw case nothing) and of the rest (V8's GC and compiler threads), which says more than
// events/s on a loaded machine. TMPDIR=/dev/shm takes the disk out (fsync then costs nothing).
// Run: cd bench && node --expose-gc --import tsx lib/audit-sqlite-case.ts [--runs 5] [--cases default,plain,raw] [--max-batch N]
// A/B of two builds in one process: --other <dir of another build's dist/index.js> adds the cases
// other-default and other-plain (e.g. a `git worktree` of an older commit, its audit package built).
import { execFileSync } from 'node:child_process'
import { readdirSync, readFileSync, rmSync } from 'node:fs'
import { createAuditLog as createCurrentAuditLog } from '@opskit/audit'
import { openSqlite } from '@opskit/core/sqlite'
import Database from 'better-sqlite3'
import { auditEvent, scratchFiles } from './audit-workload.js'
import { alternate, printRows, ratioAtLeast, spread, timed } from './compare.js'

const argument = (name: string) => {
  const at = process.argv.indexOf(`--${name}`)
  return at < 0 ? undefined : process.argv[at + 1]
}
const RUNS = Number(argument('runs') ?? 5)
const CASES = (argument('cases') ?? 'default,plain,raw').split(',')
const MAX_BATCH = argument('max-batch') === undefined ? undefined : Number(argument('max-batch'))
const OTHER = argument('other')
const otherAuditLog: typeof createCurrentAuditLog | undefined = OTHER
  ? ((await import(`${OTHER}/index.js`)) as { createAuditLog: typeof createCurrentAuditLog }).createAuditLog
  : undefined
const CALLERS = 1_000
const PER_CALLER = 20
const TOTAL = CALLERS * PER_CALLER
const BATCH = 1_000
const prefix = 'bench_'
const scratch = scratchFiles('opskit-audit-sqlite-')
const nextFile = scratch.next
const removeFile = scratch.remove
const event = auditEvent

/** CPU ms of each thread of this process (from /proc), by thread id. */
function threadCpuMs(): Map<string, number> {
  const out = new Map<string, number>()
  for (const tid of readdirSync('/proc/self/task')) {
    try {
      const fields = readFileSync(`/proc/self/task/${tid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? []
      out.set(tid, (Number(fields[11]) + Number(fields[12])) * 10)
    } catch {}
  }
  return out
}
/** CPU ms between two snapshots: the main thread, the busiest other thread (the writer), the rest. */
function cpuBetween(before: Map<string, number>, after: Map<string, number>) {
  const used = [...after].map(([tid, ms]) => [tid, ms - (before.get(tid) ?? 0)] as const)
  const main = used.find(([tid]) => tid === String(process.pid))?.[1] ?? 0
  const others = used
    .filter(([tid]) => tid !== String(process.pid))
    .map(([, ms]) => ms)
    .sort((a, b) => b - a)
  const top = others[0] ?? 0
  return { main, top, rest: others.slice(1).reduce((a, b) => a + b, 0) }
}
const cpu: Record<string, Array<{ main: number; top: number; rest: number }>> = {}
let currentCase = ''

function settle(): void {
  execFileSync('sync')
  globalThis.gc?.()
}

/** Events/s of log() with CALLERS concurrent callers; the trail is verified afterwards. */
async function ours(
  path: string,
  encryptPersonalData: boolean,
  createAuditLog = createCurrentAuditLog,
): Promise<number> {
  const db = openSqlite(path, { synchronous: 'full' })
  const audit = await createAuditLog({
    db,
    tablePrefix: prefix,
    auditReads: false,
    encryptPersonalData,
    ...(MAX_BATCH === undefined ? {} : { maxBatch: MAX_BATCH }),
  })
  settle()
  const before = threadCpuMs()
  const seconds = await timed(() =>
    Promise.all(
      Array.from({ length: CALLERS }, async (_, caller) => {
        for (let i = 0; i < PER_CALLER; i++) await audit.log(event(caller, i))
      }),
    ),
  )
  if (currentCase) {
    const samples = cpu[currentCase] ?? []
    samples.push(cpuBetween(before, threadCpuMs()))
    cpu[currentCase] = samples
  }
  const verdict = await audit.verify()
  if (!verdict.ok || verdict.checked !== TOTAL) throw new Error(`verify failed: ${JSON.stringify(verdict)}`)
  await audit.close()
  await db.destroy()
  return TOTAL / seconds
}

const COLUMNS =
  'chain_id, seq, id, tenant_id, occurred_at, recorded_at, actor_id, action, category, outcome, severity, target_type, target_id, body, leaf_hash, prev_hash, hash'
const table = `${prefix}audit_events`

async function rowsOfOneRun(): Promise<unknown[][]> {
  const path = nextFile('rows')
  await ours(path, true)
  const db = new Database(path, { readonly: true })
  const rows = db.prepare(`SELECT ${COLUMNS} FROM ${table} ORDER BY seq`).raw().all() as unknown[][]
  db.close()
  removeFile(path)
  return rows
}

async function raw(rows: unknown[][]): Promise<number> {
  const path = nextFile('raw')
  const schemaDb = openSqlite(path)
  await (await createCurrentAuditLog({ db: schemaDb, tablePrefix: prefix, auditReads: false })).close()
  await schemaDb.destroy()
  const db = new Database(path)
  db.pragma('journal_mode = WAL')
  db.pragma('synchronous = FULL')
  const insert = db.prepare(`INSERT INTO ${table} (${COLUMNS}) VALUES (${COLUMNS.split(',').map(() => '?')})`)
  const batch = db.transaction((chunk: unknown[][]) => {
    for (const row of chunk) insert.run(row)
  })
  settle()
  const before = threadCpuMs()
  const seconds = await timed(() => {
    for (let i = 0; i < rows.length; i += BATCH) batch(rows.slice(i, i + BATCH))
  })
  cpu.raw ??= []
  cpu.raw.push(cpuBetween(before, threadCpuMs()))
  db.close()
  removeFile(path)
  return rows.length / seconds
}

const rows = CASES.includes('raw') ? await rowsOfOneRun() : []
const all: Record<string, () => Promise<number>> = {
  default: () => ours(nextFile('ours'), true),
  plain: () => ours(nextFile('plain'), false),
  raw: () => raw(rows),
  ...(otherAuditLog && {
    'other-default': () => ours(nextFile('other'), true, otherAuditLog),
    'other-plain': () => ours(nextFile('other-plain'), false, otherAuditLog),
  }),
}
const results = await alternate(
  Object.fromEntries(
    CASES.map((name) => [
      name,
      () => {
        currentCase = name
        return (all[name] as () => Promise<number>)()
      },
    ]),
  ),
  { runs: RUNS },
)
rmSync(scratch.dir, { recursive: true, force: true })
const rawSpread = results.raw ? spread(results.raw) : undefined
printRows(
  `audit on SQLite (WAL, synchronous=FULL), ${CALLERS} callers × ${PER_CALLER}, ${RUNS} alternating runs`,
  CASES.filter((name) => name !== 'raw').map((name) => ({
    case: `log() ${name}${rawSpread ? ' vs raw, 1,000 per transaction' : ''}`,
    ours: spread(results[name] as number[]),
    ...(rawSpread ? { baseline: rawSpread, target: ratioAtLeast(0.7) } : {}),
    unit: 'events/s',
  })),
)
for (const [name, values] of Object.entries(results))
  console.log(name, values.map((v) => Math.round(v)).join(' '))
const med = (values: number[]) => spread(values).median
for (const [name, values] of Object.entries(cpu))
  console.log(
    `${name} CPU ms per ${TOTAL} events (median): main thread ${med(values.map((v) => v.main))}, busiest other thread ${med(values.map((v) => v.top))}, other threads ${med(values.map((v) => v.rest))}`,
  )
