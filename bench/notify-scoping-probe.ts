// Probe (issue 21): one 'off' and one 'required' notifier on SQLite in ONE process, alternating rounds,
// the same sends: statements per send, rate, and (with --plans) EXPLAIN QUERY PLAN of send-path SQL.
// Run: cd bench && nice -n 5 node --expose-gc --import tsx notify-scoping-probe.ts [--rounds 5] [--sends 2000]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { HostDatabase, TenantMode } from '@opskit/core'
import { openSqlite } from '@opskit/core/sqlite'
import { createNotifier, type Notifier } from '@opskit/notify'
import { createMockSmsProvider } from '@opskit/notify/testing'
import Database from 'better-sqlite3'
import { userlessMessage } from './lib/notify-workload.js'

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? Number(process.argv[i + 1]) : fallback
}
const ROUNDS = arg('--rounds', 5)
const SENDS = arg('--sends', 2000)
const SENDERS = 8
const TENANTS = 10
const root = mkdtempSync(join(tmpdir(), 'notify-probe-'))

// count statement executions by SQL text (the statement cache keeps the wrapped statements)
const counts = new Map<string, number>()
let counting = false
const prepare = Database.prototype.prepare
Database.prototype.prepare = function (this: Database.Database, sql: string) {
  const statement = prepare.call(this, sql)
  const key = sql.replace(/\(\?(, \?)*\)(, \(\?(, \?)*\))*/g, '(…)').slice(0, 110)
  for (const method of ['run', 'all', 'get', 'iterate'] as const) {
    const original = statement[method].bind(statement) as (...args: unknown[]) => unknown
    ;(statement as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      if (counting) counts.set(key, (counts.get(key) ?? 0) + 1)
      return original(...args)
    }
  }
  if (counting) counts.set(`PREPARE ${key}`, (counts.get(`PREPARE ${key}`) ?? 0) + 1)
  return statement
} as typeof prepare

const sendOne = (notifier: Notifier, i: number, tenantId?: string) =>
  notifier.send(userlessMessage(i, tenantId))

async function round(notifier: Notifier, mode: TenantMode, base: number): Promise<number> {
  const tenantOf = (i: number) => (mode === 'required' ? `tenant-${i % TENANTS}` : undefined)
  let next = 0
  const began = performance.now()
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (next < SENDS) {
        const i = next++
        await sendOne(notifier, base + i, tenantOf(i))
      }
    }),
  )
  return (SENDS / (performance.now() - began)) * 1000
}

const ioBytes = () => Number(/write_bytes: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1])
const only = process.argv.find((a) => a.startsWith('--only='))?.slice(7) as TenantMode | undefined
const modes: TenantMode[] = only ? [only] : ['off', 'required']
const dbs = new Map<TenantMode, HostDatabase>()
const notifiers = new Map<TenantMode, Notifier>()
for (const mode of modes) {
  const db = openSqlite(join(root, `${mode}.db`))
  dbs.set(mode, db)
  notifiers.set(
    mode,
    await createNotifier({ db, providers: { sms: [createMockSmsProvider('mock-sms')] }, tenantMode: mode }),
  )
  for (const index of process.argv.filter((a) => a.startsWith('--drop=')).map((a) => a.slice(7)))
    await (await import('kysely')).sql.raw(`DROP INDEX ${index}`).execute(db)
  await round(notifiers.get(mode) as Notifier, mode, 9_000_000) // warm-up
}
const rates = new Map<TenantMode, number[]>(modes.map((m) => [m, []]))
/** Process CPU (every thread: the WAL fsyncs' kernel time included) per send, µs, per round. */
const cpuPerSend = new Map<TenantMode, Array<{ user: number; system: number }>>(modes.map((m) => [m, []]))
const ratios: number[] = []
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? modes : [...modes].reverse()
  const got = new Map<TenantMode, number>()
  for (const mode of order) {
    counts.clear()
    counting = r === 0
    global.gc?.()
    const io0 = ioBytes()
    const cpu0 = process.cpuUsage()
    const rate = await round(notifiers.get(mode) as Notifier, mode, (r + 1) * 100_000)
    counting = false
    const cpu = process.cpuUsage(cpu0)
    cpuPerSend.get(mode)?.push({ user: cpu.user / SENDS, system: cpu.system / SENDS })
    console.log(
      `  ${mode}: cpu ${((cpu.user + cpu.system) / SENDS).toFixed(0)} us/send, written ${((ioBytes() - io0) / SENDS).toFixed(0)} B/send`,
    )
    got.set(mode, rate)
    rates.get(mode)?.push(rate)
    if (r === 0) {
      console.log(`\n${mode}: statements per send`)
      const rows = [...counts].sort((a, b) => b[1] - a[1])
      let total = 0
      for (const [sql, n] of rows) {
        if (!sql.startsWith('PREPARE')) total += n
        console.log(`  ${(n / SENDS).toFixed(3)}  ${sql}`)
      }
      console.log(`  total executions/send ${(total / SENDS).toFixed(3)}`)
    }
  }
  if (only) continue
  ratios.push((got.get('required') as number) / (got.get('off') as number))
  console.log(
    `round ${r}: off ${got.get('off')?.toFixed(0)}/s required ${got.get('required')?.toFixed(0)}/s ratio ${ratios.at(-1)?.toFixed(3)}`,
  )
}
const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)] as number
for (const mode of modes) {
  const rounds = cpuPerSend.get(mode) ?? []
  console.log(
    `${mode}: median CPU per send: user ${median(rounds.map((r) => r.user)).toFixed(0)} µs, system ${median(rounds.map((r) => r.system)).toFixed(0)} µs`,
  )
}
if (!only)
  console.log(
    `median ratio required/off ${median(ratios).toFixed(3)} (min ${Math.min(...ratios).toFixed(3)}, max ${Math.max(...ratios).toFixed(3)})`,
  )
if (process.argv.includes('--plans')) {
  for (const mode of modes) {
    const file = join(root, `${mode}.db`)
    const raw = new Database(file, { readonly: true })
    console.log(
      `\n${mode}: sqlite_stat1 ${JSON.stringify(raw.prepare("SELECT name FROM sqlite_master WHERE name='sqlite_stat1'").all())}`,
    )
    for (const sql of [
      `UPDATE opskit_notify_notifications SET state = 'done', deliveries = v.column2, updated_at = v.column3 FROM (VALUES (?, ?, ?, ?), (?, ?, ?, ?)) AS v WHERE opskit_notify_notifications.id = v.column1 AND opskit_notify_notifications.tenant_id = v.column4`,
      `INSERT INTO opskit_notify_notifications (id, tenant_id, idempotency_key, user_id, category, state, deliveries, created_at, updated_at) VALUES (?,?,?,?,?,?,?,?,?) ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id`,
    ])
      console.log(
        raw
          .prepare(`EXPLAIN QUERY PLAN ${sql}`)
          .all(...Array.from({ length: (sql.match(/\?/g) ?? []).length }, () => 'x')),
      )
    raw.close()
  }
}
for (const mode of modes) {
  await notifiers.get(mode)?.close()
  await dbs.get(mode)?.destroy()
}
rmSync(root, { recursive: true, force: true })
