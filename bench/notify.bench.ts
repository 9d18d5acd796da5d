// @opskit/notify: the send pipeline (validation, preferences, templates, idempotency, delivery log
// on SQLite) against calling the mock provider directly; pooled SMTP against one connection.
// The target row is the one with a 2 ms provider and synchronous=FULL; the no-op rows are
// information (a pipeline that writes durably cannot keep half the rate of a call that does no I/O).
// Run: cd bench && node --expose-gc --import tsx notify.bench.ts
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqlite } from '@opskit/core/sqlite'
import { createNotifier } from '@opskit/notify'
import { smtpProvider } from '@opskit/notify/smtp'
import { createMockSmsProvider } from '@opskit/notify/testing'
import nodemailer from 'nodemailer'
import { SMTPServer } from 'smtp-server'
import { itemsPerSecond, printRows } from './lib/compare.js'

const dir = mkdtempSync(join(tmpdir(), 'opskit-notify-bench-'))
const SENDS = 3_000
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

async function pipelineCase(latencyMs: number, synchronous: 'full' | 'normal', keyed = true) {
  const db = openSqlite(join(dir, `pipeline-${latencyMs}-${synchronous}-${keyed}.db`), { synchronous })
  const provider = providerWithLatency(latencyMs)
  const notifier = await createNotifier({
    mode: 'production',
    db,
    providers: { sms: [provider] },
    templates: [{ name: 'code', channel: 'sms', text: 'Hi {{name}}, your code is {{code}}' }],
  })
  await notifier.preferences.set('bench-user', { timeZone: 'Europe/Paris', categories: { marketing: false } })
  let round = 0
  const ours = await itemsPerSecond(async (count) => {
    round++
    await inParallel(count, CONCURRENCY, (i) =>
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
  }, SENDS)
  const direct = providerWithLatency(latencyMs)
  const baseline = await itemsPerSecond(
    (count) =>
      inParallel(count, CONCURRENCY, (i) =>
        direct.send({
          to: '+14155550100',
          body: `Hi Ada, your code is ${100000 + i}`,
          idempotencyKey: `d${i}`,
        }),
      ),
    SENDS,
  )
  await notifier.close()
  await db.destroy()
  return { ours, baseline }
}

async function smtpCase() {
  let received = 0
  const server = new SMTPServer({
    disabledCommands: ['STARTTLS', 'AUTH'],
    authOptional: true,
    logger: false,
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
  const MESSAGES = 600
  const mail = (i: number) => ({
    to: [`user${i}@example.com`],
    subject: `Receipt ${i}`,
    text: 'Thanks for your order.',
    html: '<p>Thanks for your order.</p>',
    idempotencyKey: `smtp-${i}`,
  })
  const pooled = smtpProvider({ host: '127.0.0.1', port, from: 'no-reply@acme.test', maxConnections: 5 })
  const ours = await itemsPerSecond(
    (count) => inParallel(count, 25, (i) => pooled.send(mail(i))),
    MESSAGES,
    2,
  )
  await pooled.close?.()
  const single = nodemailer.createTransport({ host: '127.0.0.1', port, secure: false })
  const baseline = await itemsPerSecond(
    async (count) => {
      for (let i = 0; i < count; i++) {
        const m = mail(i)
        await single.sendMail({
          from: 'no-reply@acme.test',
          to: m.to,
          subject: m.subject,
          text: m.text,
          html: m.html,
        })
      }
    },
    MESSAGES / 3,
    2,
  )
  single.close()
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return { ours, baseline, received }
}

const noop = await pipelineCase(0, 'full')
const noopNormal = await pipelineCase(0, 'normal')
const networked = await pipelineCase(2, 'full')
const networkedNormal = await pipelineCase(2, 'normal')
const keyless = await pipelineCase(2, 'full', false)
// A fast real HTTP API (Twilio, SendGrid and FCM answer in tens to hundreds of milliseconds): the
// pipeline's two fsyncs and its CPU then hide behind the provider's latency.
const realistic = await pipelineCase(20, 'full')
const smtp = await smtpCase()
printRows('@opskit/notify', [
  {
    case: 'send() pipeline vs direct no-op mock call (SQLite synchronous=FULL)',
    ours: noop.ours,
    baseline: noop.baseline,
    unit: 'sends/s',
    target: '>= 0.5x (not met: the baseline does no I/O)',
  },
  {
    case: 'send() pipeline vs direct no-op mock call (SQLite synchronous=NORMAL)',
    ours: noopNormal.ours,
    baseline: noopNormal.baseline,
    unit: 'sends/s',
  },
  {
    case: 'send() pipeline vs direct call, mock with 2 ms provider latency, 32 in flight (FULL)',
    ours: networked.ours,
    baseline: networked.baseline,
    unit: 'sends/s',
    target: '>= 0.5x',
  },
  {
    case: 'send() pipeline vs direct call, mock with 2 ms provider latency, 32 in flight (NORMAL)',
    ours: networkedNormal.ours,
    baseline: networkedNormal.baseline,
    unit: 'sends/s',
    target: '>= 0.5x',
  },
  {
    case: 'same, sends without an idempotency key (FULL; the claim waits for its commit, not its fsync)',
    ours: keyless.ours,
    baseline: keyless.baseline,
    unit: 'sends/s',
  },
  {
    case: 'send() pipeline vs direct call, mock with 20 ms provider latency, 32 in flight (FULL)',
    ours: realistic.ours,
    baseline: realistic.baseline,
    unit: 'sends/s',
  },
  {
    case: 'pooled SMTP (5 connections) vs one nodemailer connection per message, sequential',
    ours: smtp.ours,
    baseline: smtp.baseline,
    unit: 'mails/s',
    target: '>= 3x',
  },
])
rmSync(dir, { recursive: true, force: true })
