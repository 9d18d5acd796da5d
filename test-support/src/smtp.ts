import { type ParsedMail, simpleParser } from 'mailparser'
import { SMTPServer, type SMTPServerOptions } from 'smtp-server'

/** A scripted SMTP reply for the next message: a 4xx (transient) or 5xx (permanent) code. */
export interface SmtpRejection {
  code: number
  message: string
  /** Which stage refuses: the recipient or the data. @default 'data' */
  stage?: 'rcpt' | 'data'
}

/** A message the server accepted, parsed. */
export interface CapturedMail {
  envelope: { from: string | undefined; to: string[] }
  raw: Buffer
  parsed: ParsedMail
}

/** A running loopback SMTP server; see {@link startSmtpServer}. */
export interface SmtpTestServer {
  host: string
  port: number
  /** Every accepted message, in order. */
  readonly messages: CapturedMail[]
  /** How many connections were opened (to check pooling). */
  readonly connections: number
  /** Refuse the next message(s) with these replies, in order. */
  rejectNext(...rejections: SmtpRejection[]): void
  /** Resolves once `count` messages have arrived (or rejects after `timeoutMs`). */
  waitForMessages(count: number, timeoutMs?: number): Promise<CapturedMail[]>
  stop(): Promise<void>
}

/** Options for {@link startSmtpServer}. */
export interface SmtpTestServerOptions {
  /** Require AUTH PLAIN/LOGIN with these credentials. */
  auth?: { user: string; pass: string }
  /** Largest accepted message in bytes. */
  size?: number
}

/**
 * Starts a real SMTP server (npm `smtp-server`) on 127.0.0.1 that parses every message it
 * accepts with mailparser, and can be scripted to answer 4xx or 5xx.
 */
export async function startSmtpServer(options: SmtpTestServerOptions = {}): Promise<SmtpTestServer> {
  const messages: CapturedMail[] = []
  const rejections: SmtpRejection[] = []
  const waiters: Array<() => void> = []
  let connections = 0
  const fail = (rejection: SmtpRejection) =>
    Object.assign(new Error(rejection.message), { responseCode: rejection.code })

  const serverOptions: SMTPServerOptions = {
    secure: false,
    disabledCommands: options.auth ? ['STARTTLS'] : ['STARTTLS', 'AUTH'],
    authOptional: !options.auth,
    allowInsecureAuth: true,
    logger: false,
    ...(options.size ? { size: options.size } : {}),
    onConnect(_session, callback) {
      connections++
      callback()
    },
    onAuth(auth, _session, callback) {
      if (options.auth && auth.username === options.auth.user && auth.password === options.auth.pass) {
        callback(null, { user: auth.username })
      } else {
        callback(Object.assign(new Error('Invalid username or password'), { responseCode: 535 }))
      }
    },
    onRcptTo(_address, _session, callback) {
      if (rejections[0]?.stage === 'rcpt') callback(fail(rejections.shift() as SmtpRejection))
      else callback()
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = []
      stream.on('data', (chunk: Buffer) => chunks.push(chunk))
      stream.on('end', () => {
        const next = rejections[0]
        if (next && (next.stage ?? 'data') === 'data') {
          rejections.shift()
          callback(fail(next))
          return
        }
        const raw = Buffer.concat(chunks)
        simpleParser(raw)
          .then((parsed) => {
            messages.push({
              envelope: {
                from: session.envelope.mailFrom ? session.envelope.mailFrom.address : undefined,
                to: session.envelope.rcptTo.map((rcpt) => rcpt.address),
              },
              raw,
              parsed,
            })
            for (const wake of waiters.splice(0)) wake()
            callback()
          })
          .catch(callback)
      })
    },
  }
  const server = new SMTPServer(serverOptions)
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => resolve())
  })
  const address = server.server.address()
  const port = typeof address === 'object' && address ? address.port : 0

  return {
    host: '127.0.0.1',
    port,
    messages,
    get connections() {
      return connections
    },
    rejectNext: (...next) => rejections.push(...next),
    waitForMessages(count, timeoutMs = 10_000) {
      return new Promise((resolve, reject) => {
        const deadline = setTimeout(
          () => reject(new Error(`expected ${count} messages, got ${messages.length}`)),
          timeoutMs,
        )
        const check = () => {
          if (messages.length >= count) {
            clearTimeout(deadline)
            resolve(messages.slice(0, count))
          } else waiters.push(check)
        }
        check()
      })
    },
    stop: () => new Promise<void>((resolve) => server.close(() => resolve())),
  }
}
