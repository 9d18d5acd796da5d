import { type SmtpTestServer, startSmtpServer } from '@opskit/test-support'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNotifier } from '../src/index.js'
import { createSmtpProvider } from '../src/smtp/index.js'
import { createMemoryNotifyStore, runEmailProviderConformance } from '../src/testing/index.js'

const auth = { user: 'mailer', pass: 's3cret-pass' }

runEmailProviderConformance({
  name: 'smtp → smtp-server',
  async create() {
    const server = await startSmtpServer({ auth })
    const provider = createSmtpProvider({
      host: server.host,
      port: server.port,
      auth,
      from: 'no-reply@acme.test',
    })
    return {
      provider,
      received: () =>
        server.messages.map((mail) => ({
          to: mail.envelope.to,
          subject: mail.parsed.subject ?? '',
          ...(mail.parsed.text === undefined ? {} : { text: mail.parsed.text }),
          ...(typeof mail.parsed.html === 'string' ? { html: mail.parsed.html } : {}),
        })),
      failNext: (kind) =>
        server.rejectNext(
          kind === 'transient'
            ? { code: 451, message: 'Try again later' }
            : { code: 554, message: 'Rejected' },
        ),
      misconfigured: () =>
        createSmtpProvider({
          host: server.host,
          port: server.port,
          auth: { user: auth.user, pass: 'wrong-pass' },
          from: 'no-reply@acme.test',
        }),
      close: () => server.stop(),
    }
  },
})

describe('smtp provider through the notifier', () => {
  let primary: SmtpTestServer
  let backup: SmtpTestServer
  beforeAll(async () => {
    primary = await startSmtpServer({ auth })
    backup = await startSmtpServer()
  })
  afterAll(async () => {
    await primary.stop()
    await backup.stop()
  })

  const notifierFor = () =>
    createNotifier({
      store: createMemoryNotifyStore(),
      defaults: { retry: { retries: 2, baseMs: 5, maxMs: 20 } },
      providers: {
        email: [
          createSmtpProvider({
            name: 'primary',
            host: primary.host,
            port: primary.port,
            auth,
            from: '"Acme" <no-reply@acme.test>',
          }),
          createSmtpProvider({
            name: 'backup',
            host: backup.host,
            port: backup.port,
            from: 'backup@acme.test',
          }),
        ],
      },
    })

  it('sends html + text parts, headers, reply-to, List-Unsubscribe and attachments', async () => {
    const notifier = await notifierFor()
    const result = await notifier.send({
      to: { email: 'ada@example.com' },
      channels: ['email'],
      content: { subject: 'Your receipt', html: '<h1>Thanks</h1><p>Order <b>#42</b></p>' },
      email: {
        replyTo: 'support@acme.test',
        headers: { 'X-Order-Id': '42' },
        listUnsubscribe: 'https://acme.test/unsub?u=1, mailto:unsub@acme.test',
      },
      attachments: [
        { filename: 'receipt.csv', content: 'item,price\nticket,10\n', contentType: 'text/csv' },
        { filename: 'logo.bin', content: new Uint8Array([0, 1, 2, 255]) },
      ],
      idempotencyKey: 'receipt-42',
    })
    expect(result.deliveries[0]).toMatchObject({ provider: 'primary', status: 'sent', attempts: 1 })
    const [mail] = await primary.waitForMessages(1)
    const parsed = mail?.parsed
    expect(parsed?.from?.text).toBe('"Acme" <no-reply@acme.test>')
    expect(parsed?.subject).toBe('Your receipt')
    expect(parsed?.html).toContain('<b>#42</b>')
    expect(parsed?.text?.trim()).toBe('Thanks\nOrder #42')
    expect(parsed?.replyTo?.text).toBe('support@acme.test')
    expect(parsed?.headers.get('x-order-id')).toBe('42')
    expect(mail?.raw.toString()).toMatch(
      /List-Unsubscribe: <https:\/\/acme\.test\/unsub\?u=1>,\s+<mailto:unsub@acme\.test>/,
    )
    expect(mail?.raw.toString()).toContain('List-Unsubscribe-Post: List-Unsubscribe=One-Click')
    expect(parsed?.messageId).toBe(result.deliveries[0]?.providerMessageId)
    expect(parsed?.attachments.map((a) => [a.filename, a.contentType, a.content.toString('hex')])).toEqual([
      ['receipt.csv', 'text/csv', Buffer.from('item,price\nticket,10\n').toString('hex')],
      ['logo.bin', 'application/octet-stream', '000102ff'],
    ])
    await notifier.close()
  })

  it('retries a 4xx reply, and fails a 5xx over to the next provider without retrying', async () => {
    const notifier = await notifierFor()
    const before = primary.messages.length
    primary.rejectNext({ code: 451, message: 'Greylisted' })
    const retried = await notifier.send({
      to: { email: 'a@example.com' },
      channels: ['email'],
      content: { subject: 'r', text: 'retry' },
    })
    expect(retried.deliveries[0]).toMatchObject({ provider: 'primary', status: 'sent', attempts: 2 })
    expect(primary.messages.length).toBe(before + 1)

    primary.rejectNext({ code: 554, message: 'Message rejected' })
    const failedOver = await notifier.send({
      to: { email: 'b@example.com' },
      channels: ['email'],
      content: { subject: 'f', text: 'failover' },
    })
    expect(failedOver.deliveries[0]).toMatchObject({ provider: 'backup', status: 'sent', attempts: 2 })
    expect(primary.messages.length).toBe(before + 1)
    expect(backup.messages.at(-1)?.parsed.subject).toBe('f')
    await notifier.close()
  })

  it('reuses pooled connections and verifies credentials without sending', async () => {
    const server = await startSmtpServer({ auth })
    const provider = createSmtpProvider({
      host: server.host,
      port: server.port,
      auth,
      from: 'x@acme.test',
      maxConnections: 2,
    })
    await Promise.all(
      Array.from({ length: 20 }, (_, i) =>
        provider.send({
          to: [`u${i}@example.com`],
          subject: `m${i}`,
          text: 'x',
          idempotencyKey: `pool-${i}`,
        }),
      ),
    )
    expect(server.messages).toHaveLength(20)
    expect(server.connections).toBeLessThanOrEqual(2)
    await provider.verify?.()
    expect(server.messages).toHaveLength(20)
    const wrong = createSmtpProvider({
      host: server.host,
      port: server.port,
      auth: { user: 'mailer', pass: 'wrong' },
      from: 'x@acme.test',
    })
    const error = await wrong.verify?.().then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toMatchObject({ code: 'NOTIFY_PROVIDER_PERMANENT', details: { providerCode: 535 } })
    expect(JSON.stringify(error)).not.toContain('wrong')
    expect(String((error as Error).message)).not.toContain('wrong')
    await provider.close?.()
    await wrong.close?.()
    await server.stop()
  })
})
