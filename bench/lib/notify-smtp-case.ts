// Pooled SMTP (our provider) against nodemailer's unpooled transport, on a loopback smtp-server.
// Run alone: cd bench && node --import tsx lib/notify-smtp-case.ts [--quick]
import net from 'node:net'
import { createSmtpProvider } from '@opskit/notify/smtp'
import nodemailer from 'nodemailer'
import { SMTPServer } from 'smtp-server'
import { SMTPConnection } from 'smtp-server/lib/smtp-connection.js'
import { alternate, type ComparisonRow, printRows, ratioAtLeast, spread, timed } from './compare.js'

/**
 * smtp-server waits 100 ms before its greeting on every connection to catch clients that talk
 * too early (a spam-bot check, like Postfix's postscreen on port 25); submission servers greet at
 * once. The bench's server greets at once too, so a connection costs what a real submission
 * server costs on loopback: the TCP and TLS handshakes and the EHLO exchanges.
 */
function greetAtOnce(): void {
  const prototype = SMTPConnection.prototype as unknown as {
    init(): void
    _setListeners?: (ready: () => void) => void
    connectionReady?: () => void
  }
  if (typeof prototype._setListeners !== 'function' || typeof prototype.connectionReady !== 'function')
    throw new Error(
      'smtp-server changed: cannot remove its greeting pause; update bench/lib/notify-smtp-case.ts',
    )
  prototype.init = function init(this: typeof prototype) {
    this._setListeners?.(() => this.connectionReady?.())
  }
}

async function startServer(tls: boolean) {
  let received = 0
  const server = new SMTPServer({
    disabledCommands: tls ? ['AUTH'] : ['STARTTLS', 'AUTH'],
    authOptional: true,
    disableReverseLookup: true,
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
  return {
    port,
    received: () => received,
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}

/**
 * nodemailer's `getSocket` hook handing it a connection with Nagle's algorithm off, as our
 * provider opens its own: the baseline gets the same socket settings.
 */
function noDelaySocket(port: number) {
  return (
    _options: unknown,
    callback: (error: Error | null, socket?: { connection: net.Socket }) => void,
  ) => {
    const socket = net.connect({ host: '127.0.0.1', port, noDelay: true })
    socket.once('error', (error) => callback(error))
    socket.once('connect', () => callback(null, { connection: socket }))
  }
}

async function inParallel(count: number, concurrency: number, task: (i: number) => Promise<unknown>) {
  let next = 0
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < count) await task(next++)
    }),
  )
}

const rate = async (count: number, concurrency: number, send: (i: number) => Promise<unknown>) =>
  count / (await timed(() => inParallel(count, concurrency, send)))

const mail = (i: number) => ({
  to: [`user${i}@example.com`],
  subject: `Receipt ${i}`,
  text: 'Thanks for your order.',
  html: '<p>Thanks for your order.</p>',
  idempotencyKey: `smtp-${i}`,
})

/**
 * Runs the SMTP cases of one transport setting (`tls`: STARTTLS required on both sides, with
 * smtp-server's built-in self-signed certificate; else plaintext), `runs` alternating runs each.
 */
export async function smtpCases(tls: boolean, runs: number, quick: boolean) {
  greetAtOnce()
  const server = await startServer(tls)
  const messages = quick ? 60 : 600
  const inFlight = 25
  const connections = 5
  const common = {
    host: '127.0.0.1',
    port: server.port,
    secure: false,
    requireTLS: tls,
    ...(tls ? { tls: { rejectUnauthorized: false } } : {}),
  }
  const ours = createSmtpProvider({
    host: '127.0.0.1',
    port: server.port,
    from: 'no-reply@acme.test',
    maxConnections: connections,
    requireTLS: tls,
    allowInsecureTls: tls,
  })
  // What our provider was before it opened its own sockets: nodemailer's pool, Nagle on.
  const nodemailerPool = nodemailer.createTransport({ ...common, pool: true, maxConnections: connections })
  const unpooled = nodemailer.createTransport({ ...common, getSocket: noDelaySocket(server.port) })
  const unpooledDefault = nodemailer.createTransport(common)
  const viaNodemailer = (transport: nodemailer.Transporter) => (i: number) => {
    const { to, subject, text, html } = mail(i)
    return transport.sendMail({ from: 'no-reply@acme.test', to, subject, text, html })
  }
  const cases: Record<string, () => Promise<number>> = {
    ours: () => rate(messages, inFlight, (i) => ours.send(mail(i))),
    unpooled: () => rate(messages, inFlight, viaNodemailer(unpooled)),
    oursPerConnection: () => rate(messages, connections, (i) => ours.send(mail(i))),
    unpooledPerConnection: () => rate(messages, connections, viaNodemailer(unpooled)),
  }
  if (tls) {
    cases.unpooledDefault = () => rate(messages, inFlight, viaNodemailer(unpooledDefault))
    cases.nodemailerPool = () => rate(messages, inFlight, viaNodemailer(nodemailerPool))
  } else {
    cases.sequential = () => rate(messages / 3, 1, viaNodemailer(unpooled))
  }
  const results = await alternate(cases, { runs })
  await ours.close?.()
  for (const transport of [nodemailerPool, unpooled, unpooledDefault]) transport.close()
  await server.stop()
  const sent = Object.keys(cases).length * messages - (tls ? 0 : (2 * messages) / 3)
  if (server.received() !== runs * sent)
    throw new Error(`the SMTP server received ${server.received()} mails, expected ${runs * sent}`)
  const figure = (name: string) => spread(results[name] ?? [])
  return { figure, inFlight, connections }
}

/** The SMTP rows of the notify table: STARTTLS (the target) and plaintext (information). */
export async function smtpRows(runs: number, quick: boolean): Promise<ComparisonRow[]> {
  const tls = await smtpCases(true, runs, quick)
  const plain = await smtpCases(false, runs, quick)
  const { inFlight, connections } = tls
  return [
    {
      case: `pooled SMTP (${connections} connections) vs nodemailer unpooled (a connection per message), ${inFlight} in flight each, STARTTLS required, both with Nagle's algorithm off`,
      ours: tls.figure('ours'),
      baseline: tls.figure('unpooled'),
      unit: 'mails/s',
      target: ratioAtLeast(3),
    },
    {
      case: `the same at equal connection counts: ${connections} in flight each (${connections} pooled connections vs ${connections} one-message connections at a time)`,
      ours: tls.figure('oursPerConnection'),
      baseline: tls.figure('unpooledPerConnection'),
      unit: 'mails/s',
    },
    {
      case: `information: pooled SMTP vs nodemailer unpooled with its default sockets (Nagle on), ${inFlight} in flight each, STARTTLS`,
      ours: tls.figure('ours'),
      baseline: tls.figure('unpooledDefault'),
      unit: 'mails/s',
    },
    {
      case: `information: nodemailer's own pool (Nagle on: what our provider was before it opened its sockets itself) vs nodemailer unpooled (Nagle on), ${inFlight} in flight each, STARTTLS`,
      ours: tls.figure('nodemailerPool'),
      baseline: tls.figure('unpooledDefault'),
      unit: 'mails/s',
    },
    {
      case: `information: pooled SMTP vs nodemailer unpooled (Nagle off), ${inFlight} in flight each, plaintext loopback (no TLS)`,
      ours: plain.figure('ours'),
      baseline: plain.figure('unpooled'),
      unit: 'mails/s',
    },
    {
      case: `different concurrency, information only: pooled SMTP, ${inFlight} in flight, vs one nodemailer connection per message sent one after another (plaintext, Nagle off)`,
      ours: plain.figure('ours'),
      baseline: plain.figure('sequential'),
      unit: 'mails/s',
    },
  ]
}

if (process.argv[1] === import.meta.filename) {
  const quick = process.argv.includes('--quick')
  printRows('@opskit/notify: SMTP (5 alternating runs per case)', await smtpRows(5, quick))
}
