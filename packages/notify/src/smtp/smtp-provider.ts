import { createHash } from 'node:crypto'
import nodemailer from 'nodemailer'
import type SMTPPool from 'nodemailer/lib/smtp-pool/index.js'
import { missingOptionError, providerError, throwIfAborted } from '../errors/notify-error.js'
import type { EmailMessage, EmailProvider } from '../providers/email-provider.js'
import type { ProviderCallOptions, ProviderResult } from '../providers/provider-common.js'
import { connectWithoutNagle } from './smtp-socket.js'

/** Options of {@link createSmtpProvider}. */
export interface SmtpProviderOptions {
  /** Provider name in the delivery log. @default 'smtp' */
  name?: string
  host: string
  /** @default 587 */
  port?: number
  /** TLS from the start (port 465). @default false */
  secure?: boolean
  /** Refuse to send without STARTTLS. @default false */
  requireTLS?: boolean
  auth?: { user: string; pass: string }
  /** Default sender, e.g. `"Acme" <no-reply@acme.test>`. */
  from: string
  /** Connections kept open. @default 5 */
  maxConnections?: number
  /** Messages per connection before it is recycled. @default 100 */
  maxMessages?: number
  /** Messages per second across the pool (nodemailer `rateLimit`). */
  rateLimit?: number
  /** Socket timeout in ms. @default 30000 */
  socketTimeoutMs?: number
  /** Accept self-signed certificates (tests only). @default false */
  allowInsecureTls?: boolean
}

interface SmtpFailure extends Error {
  code?: string
  responseCode?: number
  command?: string
}

const TRANSIENT_CODES = new Set(['ECONNECTION', 'ETIMEDOUT', 'ESOCKET', 'EDNS', 'ECONNRESET', 'ECONNREFUSED'])

function classify(name: string, error: SmtpFailure) {
  const status = error.responseCode
  if (status !== undefined) {
    return providerError({
      provider: name,
      retryable: status >= 400 && status < 500,
      message: `SMTP ${status} at ${error.command ?? 'send'}`,
      providerCode: status,
      status,
      cause: error,
    })
  }
  return providerError({
    provider: name,
    retryable: error.code === undefined || TRANSIENT_CODES.has(error.code),
    message: `SMTP ${error.code ?? 'error'}`,
    providerCode: error.code ?? 'ERROR',
    cause: error,
  })
}

function domainOf(address: string): string {
  const match = /@([^>\s]+)>?\s*$/.exec(address)
  return match?.[1] ?? 'localhost'
}

/**
 * An {@link EmailProvider} on nodemailer's pooled SMTP transport: one pool reused by every send,
 * `verify()` checks the connection and credentials, 4xx replies and connection failures are
 * transient, 5xx replies permanent. The `Message-ID` derives from the idempotency key, so a
 * resend after a crash carries the same id and receivers can dedupe it.
 *
 * @example
 * ```ts
 * import { createSmtpProvider } from '@opskit/notify/smtp'
 * const email = createSmtpProvider({ host: 'smtp.example.com', port: 587, auth: { user, pass }, from: 'no-reply@example.com' })
 * ```
 */
export function createSmtpProvider(options: SmtpProviderOptions): EmailProvider {
  if (!options.host) throw missingOptionError('smtp', 'host')
  if (!options.from) throw missingOptionError('smtp', 'from')
  const name = options.name ?? 'smtp'
  const port = options.port ?? 587
  const socketTimeout = options.socketTimeoutMs ?? 30_000
  const transportOptions: SMTPPool.Options = {
    pool: true,
    host: options.host,
    port,
    // Each connection with Nagle's algorithm off (see connectWithoutNagle).
    getSocket: connectWithoutNagle(options.host, port, socketTimeout),
    secure: options.secure ?? false,
    requireTLS: options.requireTLS ?? false,
    maxConnections: options.maxConnections ?? 5,
    maxMessages: options.maxMessages ?? 100,
    socketTimeout,
    ...(options.rateLimit ? { rateLimit: options.rateLimit } : {}),
    ...(options.auth ? { auth: { user: options.auth.user, pass: options.auth.pass } } : {}),
    ...(options.allowInsecureTls ? { tls: { rejectUnauthorized: false } } : {}),
  }
  const transporter = nodemailer.createTransport(transportOptions)

  return {
    name,
    channel: 'email',
    capabilities: { attachments: true },
    async send(message: EmailMessage, callOptions?: ProviderCallOptions): Promise<ProviderResult> {
      throwIfAborted(name, callOptions?.signal)
      const from = message.from ?? options.from
      const headers: Record<string, string> = { ...(message.headers ?? {}) }
      if (message.listUnsubscribe) {
        const targets = message.listUnsubscribe
          .split(',')
          .map((target) => target.trim().replace(/^<|>$/g, ''))
          .filter(Boolean)
        headers['List-Unsubscribe'] = targets.map((target) => `<${target}>`).join(', ')
        if (targets.some((target) => target.startsWith('https://'))) {
          headers['List-Unsubscribe-Post'] = 'List-Unsubscribe=One-Click'
        }
      }
      try {
        const info = await transporter.sendMail({
          from,
          to: message.to,
          subject: message.subject,
          text: message.text,
          ...(message.html ? { html: message.html } : {}),
          ...(message.replyTo ? { replyTo: message.replyTo } : {}),
          headers,
          messageId: `<${createHash('sha256').update(message.idempotencyKey).digest('hex').slice(0, 40)}@${domainOf(from)}>`,
          ...(message.attachments
            ? {
                attachments: message.attachments.map((attachment) => ({
                  filename: attachment.filename,
                  content:
                    typeof attachment.content === 'string'
                      ? attachment.content
                      : Buffer.from(attachment.content),
                  ...(attachment.contentType ? { contentType: attachment.contentType } : {}),
                })),
              }
            : {}),
        })
        return { providerMessageId: info.messageId }
      } catch (error) {
        throw classify(name, error as SmtpFailure)
      }
    },
    async verify() {
      try {
        await transporter.verify()
      } catch (error) {
        throw classify(name, error as SmtpFailure)
      }
    },
    async close() {
      transporter.close()
    },
  }
}
