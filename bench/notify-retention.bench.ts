// @opskit/notify retention and tenancy (issue 21): how fast applyRetention purges old delivery-log
// rows (notifications with their provider-message links, in adaptive batches) while sends go on,
// the p99 of send() during the purge against without it, and what tenant scoping costs on send()
// and on inbox listing (tenantMode 'required' against 'off', the same rows). On SQLite (WAL,
// synchronous=FULL) and on PostgreSQL with its durable defaults. Every case runs RUNS times on
// fresh data; rows print median (min–max). In the scoping case the two modes take turns in slices
// of a few hundred calls, each on its own database, so load changes hit both alike. Idempotency keys are scattered (a hash of the send's
// number, the same keys for 'off' and 'required'), as real keys (UUIDs, request ids) are: sequential
// keys would append untenanted inserts to one end of the unique (tenant_id, idempotency_key) index
// while ten tenants write ten places of it.
// Run: cd bench && node --expose-gc --import tsx notify-retention.bench.ts [--quick] [--scoping]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { HostDatabase, TenantMode } from '@opskit/core'
import { openSqlite } from '@opskit/core/sqlite'
import { createNotifier, type Notifier } from '@opskit/notify'
import { createMockSmsProvider } from '@opskit/notify/testing'
import { openPostgres, startPostgres } from '@opskit/test-support'
import { sql } from 'kysely'
import { type Spread, spread } from './lib/compare.js'
import { scatteredKey, userlessMessage } from './lib/notify-workload.js'

// Stopping the bench's PostgreSQL ends pooled admin connections; those late errors are expected.
process.on('uncaughtException', (error: Error & { code?: string }) => {
  if (error.code === '57P01') return
  throw error
})

// --quick: a smoke run of the same code on 20k rows (its figures mean nothing).
const quick = process.argv.includes('--quick')
const RUNS = quick ? 1 : 5
// --scoping: only the tenant-scoping rounds (send() and inbox.list, 'required' against 'off'), for
// a change that cannot move the purge rows; the purge rows print as not run.
const scopingOnly = process.argv.includes('--scoping')
/** Old delivery-log rows seeded per purge round. */
const DELIVERY_ROWS = quick ? 20_000 : 1_000_000
/** Inbox items seeded for the listing case, over USERS users (and TENANTS tenants when tenanted). */
const INBOX_ROWS = quick ? 10_000 : 200_000
const USERS = 1_000
const TENANTS = 10
const SENDERS = 8
const DAY = 86_400_000
const root = mkdtempSync(join(tmpdir(), 'notify-retention-bench-'))

const p99 = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length * 0.99)] ?? 0

/** Inserts `rows` into `table` in statements of `chunk` rows. */
async function insertRows(db: HostDatabase, table: string, rows: Record<string, unknown>[], chunk: number) {
  for (let i = 0; i < rows.length; i += chunk)
    await db
      .insertInto(table)
      .values(rows.slice(i, i + chunk))
      .execute()
}

/** `count` done notifications 100 days old, each with its provider-message link, written directly. */
async function seedDeliveries(db: HostDatabase, count: number): Promise<void> {
  const createdAt = Date.now() - 100 * DAY
  for (let start = 0; start < count; start += 50_000) {
    const notifications: Record<string, unknown>[] = []
    const links: Record<string, unknown>[] = []
    for (let i = start; i < Math.min(count, start + 50_000); i++) {
      const id = `seed-${i.toString().padStart(8, '0')}`
      const deliveries = [
        { channel: 'sms', provider: 'mock-sms', status: 'sent', attempts: 1, providerMessageId: id },
      ]
      notifications.push({
        id,
        tenant_id: '',
        idempotency_key: scatteredKey('seed', i),
        user_id: `user-${i % USERS}`,
        category: null,
        state: 'done',
        deliveries: JSON.stringify(deliveries),
        created_at: createdAt + i,
        updated_at: createdAt + i,
      })
      links.push({ tenant_id: '', provider: 'mock-sms', provider_message_id: id, notification_id: id })
    }
    await insertRows(db, 'opskit_notify_notifications', notifications, 500)
    await insertRows(db, 'opskit_notify_provider_messages', links, 1_000)
  }
}

async function notifierOn(db: HostDatabase, tenantMode: TenantMode = 'off'): Promise<Notifier> {
  return createNotifier({ db, providers: { sms: [createMockSmsProvider('mock-sms')] }, tenantMode })
}

/** One SMS send (durable claim, provider call, durable delivery log); `tenantId` when tenanted. */
const sendOne = (notifier: Notifier, i: number, tenantId?: string) =>
  notifier.send(userlessMessage(i, tenantId))

/** SENDERS senders sending back to back until `stop` resolves; returns each send's latency (ms). */
async function senders(notifier: Notifier, stop: Promise<void>, offset: number): Promise<number[]> {
  const latencies: number[] = []
  let stopped = false
  void stop.then(() => {
    stopped = true
  })
  let next = offset
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (!stopped) {
        const began = performance.now()
        await sendOne(notifier, next++)
        latencies.push(performance.now() - began)
      }
    }),
  )
  return latencies
}

interface PurgeFigures {
  purgedPerSecond: number
  p99Idle: number
  p99DuringPurge: number
}

/** One purge round on a fresh database: sends alone for 2 s, then a purge of every old row while they go on. */
async function purgeRound(db: HostDatabase): Promise<PurgeFigures> {
  const notifier = await notifierOn(db)
  await seedDeliveries(db, DELIVERY_ROWS)
  const p99Idle = p99(await senders(notifier, new Promise((resolve) => setTimeout(resolve, 2_000)), 0))
  let release = () => {}
  const during = senders(notifier, new Promise<void>((resolve) => (release = resolve)), 10_000_000)
  const began = performance.now()
  const report = await notifier.applyRetention({ deliveries: { olderThan: '30d' } })
  const purgeMs = performance.now() - began
  release()
  const p99DuringPurge = p99(await during)
  if (report.removed.deliveries !== DELIVERY_ROWS)
    throw new Error(`purged ${report.removed.deliveries} of ${DELIVERY_ROWS}`)
  await notifier.close()
  await db.destroy()
  return { purgedPerSecond: (DELIVERY_ROWS / purgeMs) * 1000, p99Idle, p99DuringPurge }
}

interface ScopingFigures {
  sendsPerSecond: number
  listsPerSecond: number
}

/** Inbox items over USERS users, spread over TENANTS tenants when tenanted (the same rows otherwise). */
async function seedInbox(db: HostDatabase, tenanted: boolean): Promise<void> {
  const rows: Record<string, unknown>[] = []
  for (let i = 0; i < INBOX_ROWS; i++) {
    rows.push({
      id: `item-${i.toString().padStart(8, '0')}`,
      tenant_id: tenanted ? `tenant-${i % TENANTS}` : '',
      user_id: `user-${i % USERS}`,
      title: 'Title',
      body: `Body ${i}`,
      category: null,
      data: null,
      created_at: i,
      read_at: i % 3 === 0 ? i : null,
    })
  }
  await insertRows(db, 'opskit_notify_inbox', rows, 500)
}

type Mode = 'off' | 'required'
/** Sends, then lists, per slice: the two modes take turns slice by slice (see scopingRound). */
const SEND_SLICE = quick ? 50 : 250
const LIST_SLICE = quick ? 100 : 500

/** One mode of a scoping round: its notifier and whether its rows carry tenants. */
interface ScopingSide {
  mode: Mode
  notifier: Notifier
}

const tenantOf = (side: ScopingSide, i: number) =>
  side.mode === 'required' ? `tenant-${i % TENANTS}` : undefined

/** Sends number `from` to `to` - 1 with SENDERS in flight. */
async function sendSlice(side: ScopingSide, from: number, to: number): Promise<void> {
  let next = from
  await Promise.all(
    Array.from({ length: SENDERS }, async () => {
      while (next < to) {
        const i = next++
        await sendOne(side.notifier, i, tenantOf(side, i))
      }
    }),
  )
}

/** Lists `from` to `to` - 1, one at a time; user u's items sit in tenant u % TENANTS when tenanted. */
async function listSlice(side: ScopingSide, from: number, to: number): Promise<void> {
  for (let i = from; i < to; i++) {
    const user = i % USERS
    await side.notifier.inbox.list(`user-${user}`, {
      unreadOnly: true,
      limit: 20,
      ...(side.mode === 'required' ? { tenantId: `tenant-${user % TENANTS}` } : {}),
    })
  }
}

/**
 * Runs `work(side, from, to)` over `total` items in slices, the two modes taking turns (and which
 * goes first alternating), so a change in the machine's load hits both alike; returns each mode's
 * items per second over its own slices.
 */
async function interleaved(
  sides: ScopingSide[],
  total: number,
  slice: number,
  work: (side: ScopingSide, from: number, to: number) => Promise<void>,
): Promise<Map<Mode, number>> {
  const elapsed = new Map<Mode, number>(sides.map((side) => [side.mode, 0]))
  for (let from = 0, turn = 0; from < total; from += slice, turn++) {
    for (const side of turn % 2 === 0 ? sides : [...sides].reverse()) {
      const began = performance.now()
      await work(side, from, Math.min(total, from + slice))
      elapsed.set(side.mode, (elapsed.get(side.mode) ?? 0) + performance.now() - began)
    }
  }
  return new Map(sides.map((side) => [side.mode, (total / (elapsed.get(side.mode) ?? 1)) * 1000]))
}

/**
 * send() rate (SENDERS in flight) and inbox.list rate (one user at a time) of 'off' and 'required',
 * each on its own database with the same rows. The modes alternate in slices of SEND_SLICE sends
 * and LIST_SLICE lists: on a shared machine, whole-case turns of a few seconds measured the load
 * of the moment more than the modes (PostgreSQL inbox.list 0.55–1.06 between rounds).
 */
async function scopingRound(dbs: Record<Mode, HostDatabase>): Promise<Record<Mode, ScopingFigures>> {
  const sides: ScopingSide[] = []
  for (const mode of ['off', 'required'] as const) {
    const db = dbs[mode]
    const side = { mode, notifier: await notifierOn(db, mode) }
    await seedInbox(db, mode === 'required')
    // statistics before timing, on both sides: PostgreSQL's autoanalyze otherwise lands at a
    // different moment in each round (mid-listing in some), and its plan changes when it does
    await sql`ANALYZE`.execute(db)
    sides.push(side)
  }
  const sends = quick ? 500 : 5_000
  const lists = quick ? 1_000 : 10_000
  // warm-up, not timed: caches and JIT
  for (const side of sides) {
    await sendSlice(side, 1_000_000, 1_000_000 + sends / 10)
    await listSlice(side, 0, lists / 10)
  }
  const sendRates = await interleaved(sides, sends, SEND_SLICE, sendSlice)
  const listRates = await interleaved(sides, lists, LIST_SLICE, listSlice)
  for (const side of sides) await side.notifier.close()
  for (const db of Object.values(dbs)) await db.destroy()
  const figures = (mode: Mode) => ({
    sendsPerSecond: sendRates.get(mode) ?? 0,
    listsPerSecond: listRates.get(mode) ?? 0,
  })
  return { off: figures('off'), required: figures('required') }
}

const fmt = (s: Spread | undefined, digits = 0) =>
  s === undefined
    ? 'not run'
    : `${s.median.toFixed(digits)} (${s.min.toFixed(digits)}–${s.max.toFixed(digits)})`

async function runDialect(label: string, open: (name: string) => Promise<HostDatabase>): Promise<void> {
  const purges: PurgeFigures[] = []
  const off: ScopingFigures[] = []
  const required: ScopingFigures[] = []
  for (let i = 0; i < RUNS; i++) {
    if (!scopingOnly) purges.push(await purgeRound(await open(`purge_${i}`)))
    const round = await scopingRound({ off: await open(`off_${i}`), required: await open(`required_${i}`) })
    off.push(round.off)
    required.push(round.required)
  }
  const of = <T>(figures: T[], pick: (f: T) => number) =>
    figures.length === 0 ? undefined : spread(figures.map(pick))
  const ratio = (pick: (f: ScopingFigures) => number) =>
    spread(required.map((figure, i) => pick(figure) / pick(off[i] as ScopingFigures)))
  console.log(`\n${label}: ${DELIVERY_ROWS} old delivery rows (+ links), ${SENDERS} senders, ${RUNS} run(s)`)
  console.table({
    'delivery rows purged/s (sends running)': fmt(of(purges, (f) => f.purgedPerSecond)),
    'send() p99 ms without purge': fmt(
      of(purges, (f) => f.p99Idle),
      2,
    ),
    'send() p99 ms during purge': fmt(
      of(purges, (f) => f.p99DuringPurge),
      2,
    ),
    "send()/s tenantMode 'off'": fmt(of(off, (f) => f.sendsPerSecond)),
    "send()/s tenantMode 'required'": fmt(of(required, (f) => f.sendsPerSecond)),
    'send() rate required/off (target >= 0.95)': fmt(
      ratio((f) => f.sendsPerSecond),
      3,
    ),
    [`inbox.list/s 'off' (${INBOX_ROWS} items)`]: fmt(of(off, (f) => f.listsPerSecond)),
    [`inbox.list/s 'required' (${TENANTS} tenants)`]: fmt(of(required, (f) => f.listsPerSecond)),
    'inbox.list rate required/off (target >= 0.95)': fmt(
      ratio((f) => f.listsPerSecond),
      3,
    ),
  })
}

try {
  await runDialect('SQLite', async (name) => openSqlite(join(root, `${name}.db`)))
  const cluster = await startPostgres({ durable: true })
  try {
    await runDialect('PostgreSQL', async (name) =>
      openPostgres(await cluster.createDatabase(`notify_ret_${name}`), 10),
    )
  } finally {
    await cluster.stop()
  }
} finally {
  rmSync(root, { recursive: true, force: true })
}
