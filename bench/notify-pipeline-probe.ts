// Probe (issue 19): where a send of the pipeline case spends its time (2 ms provider, 32 in flight,
// SQLite) — mean wait per stage (preferences read, idempotency claim, provider, delivery log) —
// alternating with the direct provider calls, and statements per send.
// Run: cd bench && nice -n 5 node --expose-gc --import tsx notify-pipeline-probe.ts [--normal] [--rounds 5] [--dist <notify dist dir>]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqlite } from '@opskit/core/sqlite'
import type * as NotifyModule from '@opskit/notify'
import type * as NotifyTesting from '@opskit/notify/testing'
import Database from 'better-sqlite3'
import { sql } from 'kysely'
import { CODE_TEMPLATE, codeMessage } from './lib/notify-workload.js'

const arg = (name: string) => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}
const dist = arg('--dist')
const notify: typeof NotifyModule = await import(dist ? join(dist, 'index.js') : '@opskit/notify')
const testing: typeof NotifyTesting = await import(dist ? join(dist, 'testing.js') : '@opskit/notify/testing')
const ROUNDS = Number(arg('--rounds') ?? 5)
const SENDS = Number(arg('--sends') ?? 3000)
const CONCURRENCY = 32
const synchronous = process.argv.includes('--normal') ? 'normal' : 'full'
const dir = mkdtempSync(join(tmpdir(), 'notify-pipeline-probe-'))

function provider(latencyMs: number) {
  const mock = testing.createMockSmsProvider(`mock-${latencyMs}ms`)
  const send = mock.send.bind(mock)
  mock.send = async (message, options) => {
    await new Promise((resolve) => setTimeout(resolve, latencyMs))
    return send(message, options)
  }
  return mock
}
async function inParallel(count: number, task: (i: number) => Promise<unknown>) {
  let next = 0
  const began = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < count) await task(next++)
    }),
  )
  return (count / (performance.now() - began)) * 1000
}

// statement executions by SQL kind (the statement cache keeps the wrapped statements)
const executions = new Map<string, number>()
const statementMs = new Map<string, number>()
const prepare = Database.prototype.prepare
Database.prototype.prepare = function (this: Database.Database, text: string) {
  const statement = prepare.call(this, text)
  const kind = text.slice(0, 60)
  for (const method of ['run', 'all', 'get', 'iterate'] as const) {
    const original = statement[method].bind(statement) as (...args: unknown[]) => unknown
    ;(statement as unknown as Record<string, unknown>)[method] = (...args: unknown[]) => {
      executions.set(kind, (executions.get(kind) ?? 0) + 1)
      const began = performance.now()
      try {
        return original(...args)
      } finally {
        statementMs.set(kind, (statementMs.get(kind) ?? 0) + performance.now() - began)
      }
    }
  }
  return statement
} as typeof prepare

const db = openSqlite(join(dir, 'pipeline.db'), { synchronous })
// --no-autocheckpoint: what SQLite's automatic checkpoints (run inside a COMMIT, on the event loop,
// with their fsyncs) cost the pipeline; the WAL then grows for the whole run
if (process.argv.includes('--no-autocheckpoint')) await sql`PRAGMA wal_autocheckpoint = 0`.execute(db)
const store = await notify.createKyselyNotifyStore({ db })
const stages = new Map<string, { total: number; count: number }>()
const timedMethod = (name: 'getPreferences' | 'insertNotification' | 'completeNotification') => {
  const original = store[name].bind(store) as (...args: unknown[]) => Promise<unknown>
  ;(store as unknown as Record<string, unknown>)[name] = async (...args: unknown[]) => {
    const began = performance.now()
    try {
      return await original(...args)
    } finally {
      const stage = stages.get(name) ?? { total: 0, count: 0 }
      stage.total += performance.now() - began
      stage.count++
      stages.set(name, stage)
    }
  }
}
timedMethod('getPreferences')
timedMethod('insertNotification')
timedMethod('completeNotification')
const notifier = await notify.createNotifier({
  store,
  providers: { sms: [provider(2)] },
  templates: [CODE_TEMPLATE],
})
await notifier.preferences.set('bench-user', { timeZone: 'Europe/Paris', categories: { marketing: false } })
const direct = provider(2)
let round = 0
const ours = () => {
  round++
  return inParallel(SENDS, async (i) => {
    const began = performance.now()
    await notifier.send(codeMessage(i, `r${round}-${i}`))
    const stage = stages.get('send') ?? { total: 0, count: 0 }
    stage.total += performance.now() - began
    stage.count++
    stages.set('send', stage)
  })
}
const baseline = () =>
  inParallel(SENDS, (i) =>
    direct.send({ to: '+14155550100', body: `Hi Ada, your code is ${100000 + i}`, idempotencyKey: `d${i}` }),
  )
await ours()
await baseline()
const ratios: number[] = []
for (let r = 0; r < ROUNDS; r++) {
  stages.clear()
  executions.clear()
  statementMs.clear()
  globalThis.gc?.()
  const a = r % 2 === 0 ? await ours() : await baseline()
  globalThis.gc?.()
  const b = r % 2 === 0 ? await baseline() : await ours()
  const [o, d] = r % 2 === 0 ? [a, b] : [b, a]
  ratios.push(o / d)
  const mean = (name: string) => {
    const stage = stages.get(name)
    return stage ? (stage.total / stage.count).toFixed(2) : '-'
  }
  console.log(
    `round ${r}: ours ${o.toFixed(0)}/s direct ${d.toFixed(0)}/s ratio ${(o / d).toFixed(3)}; mean ms: send ${mean('send')}, preferences ${mean('getPreferences')}, claim ${mean('insertNotification')}, delivery log ${mean('completeNotification')}`,
  )
}
console.log('statements per send (last round):')
for (const [kind, count] of [...executions].sort((x, y) => y[1] - x[1]))
  console.log(
    `  ${(count / SENDS).toFixed(3)} per send, ${(((statementMs.get(kind) ?? 0) / SENDS) * 1000).toFixed(1)} µs per send: ${kind}`,
  )
const sorted = [...ratios].sort((x, y) => x - y)
console.log(
  `${synchronous}: median ratio ${sorted[Math.floor(sorted.length / 2)]?.toFixed(3)} (${sorted[0]?.toFixed(3)}–${sorted.at(-1)?.toFixed(3)})`,
)
await notifier.close()
await db.destroy()
rmSync(dir, { recursive: true, force: true })
