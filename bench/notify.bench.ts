// @opskit/notify: the send pipeline (validation, preferences, templates, idempotency, delivery log
// on SQLite) against calling the mock provider directly, at the same concurrency; pooled SMTP
// against nodemailer's unpooled transport at the same concurrency. The target rows are the ones
// with a 2 ms provider; the no-op rows are information (a pipeline that writes durably cannot keep
// half the rate of a call that does no I/O). Every case runs RUNS times, ours and the baseline
// alternating; rows print min/median/max and a target is met when the medians meet it.
// Run: cd bench && node --expose-gc --import tsx notify.bench.ts [--quick]
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqlite } from '@opskit/core/sqlite'
import { createNotifier } from '@opskit/notify'
import { createSmtpProvider } from '@opskit/notify/smtp'
import { createMockSmsProvider } from '@opskit/notify/testing'
import nodemailer from 'nodemailer'
import { SMTPServer } from 'smtp-server'
import { alternate, type ComparisonRow, printRows, ratioAtLeast, spread, timed } from './lib/compare.js'
import { templateCase } from './lib/notify-template-case.js'

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
    templates: [{ name: 'code', channel: 'sms', text: 'Hi {{name}}, your code is {{code}}' }],
  })
  await notifier.preferences.set('bench-user', { timeZone: 'Europe/Paris', categories: { marketing: false } })
  const direct = providerWithLatency(latencyMs)
  let round = 0
  const runs = await alternate(
    {
      ours: () => {
        round++
        return rate(SENDS, CONCURRENCY, (i) =>
          notifier.send({
            userId: 'bench-user',
            to: { phone: '+14155550100' },
            channels: ['sms'],
            template: 'code',
            data: { name: 'Ada', code: String(100000 + i) },
            category: 'security',
            ...(keyed ? { idempotencyKey: `r${round}-${i}` } : {}),
          }),
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

/**
 * Pooled SMTP against nodemailer's unpooled transport (a connection per message), 25 in flight
 * each. With `tls`, both sides must upgrade with STARTTLS before sending (`requireTLS`), as every
 * submission server on port 587 demands; smtp-server then uses its built-in self-signed
 * certificate, which both clients accept. Without, plaintext on loopback: a connection costs
 * almost nothing there, so that row is information only.
 */
async function smtpCase(tls: boolean) {
  let received = 0
  const server = new SMTPServer({
    disabledCommands: tls ? ['AUTH'] : ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
    maxClients: 200,
    onData(stream, _session, callback) {
      stream.on('data', () => {})
      stream.on('end', () => {
        received++
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.server.address() as { port: number }).port
  const MESSAGES = quick ? 60 : 600
  const IN_FLIGHT = 25
  const mail = (i: number) => ({
    to: [`user${i}@example.com`],
    subject: `Receipt ${i}`,
    text: 'Thanks for your order.',
    html: '<p>Thanks for your order.</p>',
    idempotencyKey: `smtp-${i}`,
  })
  const pooled = createSmtpProvider({
    host: '127.0.0.1',
    port,
    from: 'no-reply@acme.test',
    maxConnections: 5,
    requireTLS: tls,
    allowInsecureTls: tls,
  })
  const unpooled = nodemailer.createTransport({
    host: '127.0.0.1',
    port,
    secure: false,
    requireTLS: tls,
    ...(tls ? { tls: { rejectUnauthorized: false } } : {}),
  })
  const sendUnpooled = (i: number) => {
    const m = mail(i)
    return unpooled.sendMail({
      from: 'no-reply@acme.test',
      to: m.to,
      subject: m.subject,
      text: m.text,
      html: m.html,
    })
  }
  const cases: Record<string, () => Promise<number>> = {
    pooled: () => rate(MESSAGES, IN_FLIGHT, (i) => pooled.send(mail(i))),
    unpooled: () => rate(MESSAGES, IN_FLIGHT, sendUnpooled),
  }
  // One at a time only in plaintext: with a TLS handshake per message it would take minutes.
  if (!tls) cases.sequential = () => rate(MESSAGES / 3, 1, sendUnpooled)
  const runs = await alternate(cases, { runs: RUNS })
  await pooled.close?.()
  unpooled.close()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  const expected = RUNS * (2 * MESSAGES + (tls ? 0 : MESSAGES / 3))
  if (received !== expected)
    throw new Error(`the SMTP server received ${received} mails, expected ${expected}`)
  return {
    pooled: spread(runs.pooled!),
    unpooled: spread(runs.unpooled!),
    sequential: runs.sequential ? spread(runs.sequential) : undefined,
    inFlight: IN_FLIGHT,
  }
}

const noop = await pipelineCase(0, 'full')
const noopNormal = await pipelineCase(0, 'normal')
const networked = await pipelineCase(2, 'full')
const networkedNormal = await pipelineCase(2, 'normal')
const keyless = await pipelineCase(2, 'full', false)
// A fast real HTTP API (Twilio, SendGrid and FCM answer in tens to hundreds of milliseconds): the
// pipeline's two fsyncs and its CPU then hide behind the provider's latency.
const realistic = await pipelineCase(20, 'full')
const smtp = await smtpCase(true)
const smtpPlain = await smtpCase(false)
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
  {
    case: `pooled SMTP (5 connections) vs nodemailer unpooled (a connection per message), ${smtp.inFlight} in flight each, both with STARTTLS required`,
    ours: smtp.pooled,
    baseline: smtp.unpooled,
    unit: 'mails/s',
    target: ratioAtLeast(3),
  },
  {
    case: `information only: the same on plaintext loopback (no TLS; a fresh connection costs almost nothing)`,
    ours: smtpPlain.pooled,
    baseline: smtpPlain.unpooled,
    unit: 'mails/s',
  },
  {
    case: `different concurrency, information only: pooled SMTP, ${smtpPlain.inFlight} in flight, vs one nodemailer connection per message sent one after another (plaintext)`,
    ours: smtpPlain.pooled,
    baseline: smtpPlain.sequential,
    unit: 'mails/s',
  },
  template,
]
printRows(`@opskit/notify (${RUNS} alternating runs per case)`, rows)
rmSync(dir, { recursive: true, force: true })
