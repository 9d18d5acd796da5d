// A/B (issue 19): the send pipeline of two notify builds in one process, alternating, at 2 ms
// provider latency and 32 sends in flight on SQLite — sends per second and process CPU per send
// (user + system, all threads) of each, their ratios new/old per round, median (min–max).
// Run: cd bench && nice -n 5 node --expose-gc --import tsx notify-pipeline-ab.ts --other <old notify dist dir>
//   [--normal] [--rounds 6] [--sends 3000] [--only new|old] (--only: one side, e.g. under --cpu-prof)
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqlite } from '@opskit/core/sqlite'
import type * as NotifyModule from '@opskit/notify'
import type * as NotifyTesting from '@opskit/notify/testing'
import { CODE_TEMPLATE, codeMessage } from './lib/notify-workload.js'

const arg = (name: string) => {
  const i = process.argv.indexOf(name)
  return i >= 0 ? process.argv[i + 1] : undefined
}
const ROUNDS = Number(arg('--rounds') ?? 6)
const SENDS = Number(arg('--sends') ?? 3000)
const CONCURRENCY = 32
const synchronous = process.argv.includes('--normal') ? 'normal' : 'full'
const only = arg('--only')
const other = arg('--other')
if (!other && only !== 'new') throw new Error('--other <old notify dist dir> is required (or --only new)')
const dir = mkdtempSync(join(tmpdir(), 'notify-pipeline-ab-'))

type Notifier = Awaited<ReturnType<typeof NotifyModule.createNotifier>>
interface Side {
  name: string
  notifier: Notifier
  close: () => Promise<void>
}

async function openSide(name: string, distDir: string | undefined): Promise<Side> {
  const notify: typeof NotifyModule = await import(distDir ? join(distDir, 'index.js') : '@opskit/notify')
  const testing: typeof NotifyTesting = await import(
    distDir ? join(distDir, 'testing.js') : '@opskit/notify/testing'
  )
  const mock = testing.createMockSmsProvider('mock-2ms')
  const send = mock.send.bind(mock)
  mock.send = async (message, options) => {
    await new Promise((resolve) => setTimeout(resolve, 2))
    return send(message, options)
  }
  const db = openSqlite(join(dir, `${name}.db`), { synchronous })
  const store = await notify.createKyselyNotifyStore({ db })
  const notifier = await notify.createNotifier({
    store,
    providers: { sms: [mock] },
    templates: [CODE_TEMPLATE],
  })
  await notifier.preferences.set('bench-user', { timeZone: 'Europe/Paris', categories: { marketing: false } })
  return {
    name,
    notifier,
    close: async () => {
      await notifier.close()
      await db.destroy()
    },
  }
}

let batch = 0
/** Sends per second and CPU µs per send of one batch of SENDS idempotent sends. */
async function run(side: Side): Promise<{ rate: number; cpuUs: number }> {
  batch++
  let next = 0
  const cpu = process.cpuUsage()
  const began = performance.now()
  await Promise.all(
    Array.from({ length: CONCURRENCY }, async () => {
      while (next < SENDS) {
        const i = next++
        await side.notifier.send(codeMessage(i, `${side.name}-b${batch}-${i}`))
      }
    }),
  )
  const elapsed = performance.now() - began
  const used = process.cpuUsage(cpu)
  return { rate: (SENDS / elapsed) * 1000, cpuUs: (used.user + used.system) / SENDS }
}

const sides: Side[] = []
if (only !== 'old') sides.push(await openSide('new', undefined))
if (only !== 'new') sides.push(await openSide('old', other))
for (const side of sides) await run(side) // warm-up
const rateRatios: number[] = []
const cpuRatios: number[] = []
const median = (values: number[]) =>
  [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)] ?? Number.NaN
const summary = (values: number[]) => {
  const sorted = [...values].sort((a, b) => a - b)
  return `${median(values).toFixed(3)} (${sorted[0]?.toFixed(3)}–${sorted.at(-1)?.toFixed(3)})`
}
for (let r = 0; r < ROUNDS; r++) {
  const order = r % 2 === 0 ? sides : [...sides].reverse()
  const results = new Map<string, { rate: number; cpuUs: number }>()
  for (const side of order) {
    globalThis.gc?.()
    results.set(side.name, await run(side))
  }
  const line = [...results].map(
    ([name, x]) => `${name} ${x.rate.toFixed(0)}/s ${x.cpuUs.toFixed(0)} µs CPU/send`,
  )
  const n = results.get('new')
  const o = results.get('old')
  if (n && o) {
    rateRatios.push(n.rate / o.rate)
    cpuRatios.push(n.cpuUs / o.cpuUs)
    line.push(`rate new/old ${(n.rate / o.rate).toFixed(3)}, CPU new/old ${(n.cpuUs / o.cpuUs).toFixed(3)}`)
  }
  console.log(`round ${r}: ${line.join('; ')}`)
}
if (rateRatios.length > 0)
  console.log(
    `${synchronous}: rate new/old ${summary(rateRatios)}; CPU per send new/old ${summary(cpuRatios)}`,
  )
for (const side of sides) await side.close()
rmSync(dir, { recursive: true, force: true })
