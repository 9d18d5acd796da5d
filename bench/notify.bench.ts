// @opskit/notify: the send pipeline (validation, preferences, templates, idempotency, delivery log
// on SQLite) against calling the mock provider directly, at the same concurrency; pooled SMTP
// against nodemailer's unpooled transport at the same concurrency (bench/lib/notify-smtp-case.ts).
// The pipeline's target rows are the ones with a 2 ms provider; the no-op rows are information (a pipeline that writes durably cannot keep
// half the rate of a call that does no I/O). Every case runs RUNS times, ours and the baseline
// alternating; rows print min/median/max and a target is met when the medians meet it.
// Run: cd bench && node --expose-gc --import tsx notify.bench.ts [--quick]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqlite } from '@opskit/core/sqlite'
import { createNotifier } from '@opskit/notify'
import { createMockSmsProvider } from '@opskit/notify/testing'
import { alternate, type ComparisonRow, printRows, ratioAtLeast, spread, timed } from './lib/compare.js'
import { smtpRows } from './lib/notify-smtp-case.js'
import { templateCase } from './lib/notify-template-case.js'
import { CODE_TEMPLATE, codeMessage } from './lib/notify-workload.js'

const dir = mkdtempSync(join(tmpdir(), 'opskit-notify-bench-'))
// --quick: a smoke run of the same code on a tenth of the sends (its figures mean nothing).
const quick = process.argv.includes('--quick')
const RUNS = 5
const SENDS = quick ? 300 : 3_000
const CONCURRENCY = 32

async function inParallel(
  count: number,
  concurrency: number,
  task: (i: number) => Promise<unknown>,
): Promise<void> {
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++)
    }),
  )
}

/** A mock SMS provider whose send takes `latencyMs` (a provider on the network); 0 = a no-op. */
function providerWithLatency(latencyMs: number) {
  const mock = createMockSmsProvider(`mock-${latencyMs}ms`)
  if (latencyMs === 0) return mock
  const send = mock.send.bind(mock)
  mock.send = async (message, options) => {
    await new Promise((resolve) => setTimeout(resolve, latencyMs))
    return send(message, options)
  }
  return mock
}

/** Sends per second of `count` tasks run by `send(i)`, `concurrency` in flight. */
async function rate(count: number, concurrency: number, send: (i: number) => Promise<unknown>) {
  return count / (await timed(() => inParallel(count, concurrency, send)))
}

async function pipelineCase(latencyMs: number, synchronous: 'full' | 'normal', keyed = true) {
  const db = openSqlite(join(dir, `pipeline-${latencyMs}-${synchronous}-${keyed}.db`), { synchronous })
  const provider = providerWithLatency(latencyMs)
  const notifier = await createNotifier({
    db,
    providers: { sms: [provider] },
    templates: [CODE_TEMPLATE],
  })
  await notifier.preferences.set('bench-user', { timeZone: 'Europe/Paris', categories: { marketing: false } })
  const direct = providerWithLatency(latencyMs)
  let round = 0
  const runs = await alternate(
    {
      ours: () => {
        round++
        return rate(SENDS, CONCURRENCY, (i) =>
          notifier.send(codeMessage(i, keyed ? `r${round}-${i}` : undefined)),
        )
      },
      baseline: () =>
        rate(SENDS, CONCURRENCY, (i) =>
          direct.send({
            to: '+14155550100',
            body: `Hi Ada, your code is ${100000 + i}`,
            idempotencyKey: `d${i}`,
          }),
        ),
    },
    { runs: RUNS, between: () => globalThis.gc?.() },
  )
  await notifier.close()
  await db.destroy()
  return { ours: spread(runs.ours!), baseline: spread(runs.baseline!) }
}

const noop = await pipelineCase(0, 'full')
const noopNormal = await pipelineCase(0, 'normal')
const networked = await pipelineCase(2, 'full')
const networkedNormal = await pipelineCase(2, 'normal')
const keyless = await pipelineCase(2, 'full', false)
// A fast real HTTP API (Twilio, SendGrid and FCM answer in tens to hundreds of milliseconds): the
// pipeline's two fsyncs and its CPU then hide behind the provider's latency.
const realistic = await pipelineCase(20, 'full')
const smtp = await smtpRows(RUNS, quick)
const template = await templateCase(RUNS)
const rows: ComparisonRow[] = [
  {
    case: `send() pipeline vs direct no-op mock call, ${CONCURRENCY} in flight each (SQLite synchronous=FULL; information: the baseline does no I/O)`,
    ...noop,
    unit: 'sends/s',
  },
  {
    case: `send() pipeline vs direct no-op mock call, ${CONCURRENCY} in flight each (SQLite synchronous=NORMAL)`,
    ...noopNormal,
    unit: 'sends/s',
  },
  {
    case: `send() pipeline vs direct call, mock with 2 ms provider latency, ${CONCURRENCY} in flight each (FULL)`,
    ...networked,
    unit: 'sends/s',
    target: ratioAtLeast(0.5),
  },
  {
    case: `send() pipeline vs direct call, mock with 2 ms provider latency, ${CONCURRENCY} in flight each (NORMAL)`,
    ...networkedNormal,
    unit: 'sends/s',
    target: ratioAtLeast(0.5),
  },
  {
    case: 'same, sends without an idempotency key (FULL; the claim waits for its commit, not its fsync)',
    ...keyless,
    unit: 'sends/s',
  },
  {
    case: `send() pipeline vs direct call, mock with 20 ms provider latency, ${CONCURRENCY} in flight each (FULL)`,
    ...realistic,
    unit: 'sends/s',
  },
  ...smtp,
  template,
]
printRows(`@opskit/notify (${RUNS} alternating runs per case)`, rows)
rmSync(dir, { recursive: true, force: true })
