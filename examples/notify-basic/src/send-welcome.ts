import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqlite } from '@opskit/core/sqlite'
import { createNotifier, type SendResult, type SmsProvider } from '@opskit/notify'
import { createSmtpProvider } from '@opskit/notify/smtp'

/** Where to send: an SMTP server, a recipient and a phone. */
export interface WelcomeOptions {
  smtp: { host: string; port: number }
  email: string
  phone: string
  name: string
  /** Receives the SMS instead of Twilio (the example needs no credentials). */
  sms: SmsProvider
}

/**
 * Creates a notifier on a SQLite delivery log, registers one template per channel and sends a
 * welcome by e-mail and SMS; sending the same idempotency key again is a no-op.
 */
export async function sendWelcome(
  options: WelcomeOptions,
): Promise<{ first: SendResult; again: SendResult }> {
  const dir = mkdtempSync(join(tmpdir(), 'notify-basic-'))
  const db = openSqlite(join(dir, 'notify.db'))
  const notifier = await createNotifier({
    db,
    providers: {
      email: [
        createSmtpProvider({
          host: options.smtp.host,
          port: options.smtp.port,
          from: 'Acme <hello@acme.example>',
        }),
      ],
      sms: [options.sms],
    },
    templates: [
      {
        name: 'welcome',
        channel: 'email',
        subject: 'Welcome, {{ name }}!',
        html: '<h1>Welcome, {{ name }}!</h1><p>Thanks for signing up.</p>',
      },
      { name: 'welcome', channel: 'sms', text: 'Welcome to Acme, {{ name }}!' },
    ],
  })
  try {
    const input = {
      to: { email: options.email, phone: options.phone },
      channels: ['email', 'sms'] as const,
      template: 'welcome',
      data: { name: options.name },
      idempotencyKey: `welcome:${options.email}`,
    }
    const first = await notifier.send({ ...input, channels: [...input.channels] })
    const again = await notifier.send({ ...input, channels: [...input.channels] })
    return { first, again }
  } finally {
    await notifier.close()
    await db.destroy()
    rmSync(dir, { recursive: true, force: true })
  }
}
