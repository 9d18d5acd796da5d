import type { HttpFake } from '@opskit/test-support'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNotifier } from '../src/index.js'
import { createSendGridProvider } from '../src/sendgrid/index.js'
import { createMemoryNotifyStore, runEmailProviderConformance } from '../src/testing/index.js'
import { apiKey, type SendgridBody, startSendgridFake } from './fakes/sendgrid-fake.js'

runEmailProviderConformance({
  name: 'sendgrid → loopback v3 fake',
  async create() {
    const { fake, accepted } = await startSendgridFake()
    return {
      provider: createSendGridProvider({
        apiKey,
        from: 'no-reply@acme.test',
        baseUrl: fake.url,
        allowPrivateNetworks: true,
      }),
      received: () =>
        accepted.map((body) => ({
          to: body.personalizations[0]?.to.map((t) => t.email) ?? [],
          subject: body.subject,
          text: body.content.find((c) => c.type === 'text/plain')?.value ?? '',
          html: body.content.find((c) => c.type === 'text/html')?.value ?? '',
        })),
      failNext: (kind) =>
        fake.enqueue(
          'POST',
          '/v3/mail/send',
          kind === 'transient'
            ? {
                status: 429,
                headers: { 'retry-after': '1' },
                body: { errors: [{ message: 'too many requests' }] },
              }
            : {
                status: 400,
                body: {
                  errors: [
                    {
                      field: 'from.email',
                      message: 'The from address does not match a verified Sender Identity.',
                    },
                  ],
                },
              },
        ),
      misconfigured: () =>
        createSendGridProvider({
          apiKey: 'SG.revoked-key',
          from: 'no-reply@acme.test',
          baseUrl: fake.url,
          allowPrivateNetworks: true,
        }),
      close: () => fake.stop(),
    }
  },
})

describe('sendgrid provider', () => {
  let sendgrid: Awaited<ReturnType<typeof startSendgridFake>>
  let fake: HttpFake
  beforeAll(async () => {
    sendgrid = await startSendgridFake()
    fake = sendgrid.fake
  })
  afterAll(() => fake.stop())

  it('posts the v3 body: personalizations, from name, text before html, attachments, headers; reports errors[] and Retry-After', async () => {
    const provider = createSendGridProvider({
      apiKey,
      from: '"Acme Tickets" <tickets@acme.test>',
      baseUrl: fake.url,
      allowPrivateNetworks: true,
    })
    const result = await provider.send({
      to: ['ada@example.com'],
      subject: 'Receipt',
      text: 'Thanks',
      html: '<p>Thanks</p>',
      listUnsubscribe: 'https://acme.test/u',
      attachments: [{ filename: 'r.txt', content: 'hello', contentType: 'text/plain' }],
      idempotencyKey: 'idem-1',
    })
    expect(result).toEqual({ providerMessageId: 'sg-1' })
    const body = sendgrid.accepted[0] as SendgridBody
    expect(body.from).toEqual({ email: 'tickets@acme.test', name: 'Acme Tickets' })
    expect(body.content.map((c) => c.type)).toEqual(['text/plain', 'text/html'])
    expect(body.attachments).toEqual([
      {
        content: Buffer.from('hello').toString('base64'),
        filename: 'r.txt',
        type: 'text/plain',
        disposition: 'attachment',
      },
    ])
    expect(body.headers).toEqual({
      'List-Unsubscribe': '<https://acme.test/u>',
      'List-Unsubscribe-Post': 'List-Unsubscribe=One-Click',
    })
    expect(body.custom_args).toEqual({ idempotency_key: 'idem-1' })

    fake.enqueue('POST', '/v3/mail/send', {
      status: 400,
      body: { errors: [{ field: 'subject', message: 'The subject is required.' }] },
    })
    await expect(
      provider.send({ to: ['a@example.com'], subject: 's', text: 't', idempotencyKey: 'k' }),
    ).rejects.toMatchObject({
      code: 'NOTIFY_PROVIDER_PERMANENT',
      message: expect.stringContaining('subject: The subject is required.'),
      details: { status: 400 },
    })
    fake.enqueue('POST', '/v3/mail/send', {
      status: 429,
      headers: { 'retry-after': '7' },
      body: { errors: [{ message: 'slow down' }] },
    })
    await expect(
      provider.send({ to: ['a@example.com'], subject: 's', text: 't', idempotencyKey: 'k' }),
    ).rejects.toMatchObject({
      code: 'NOTIFY_PROVIDER_TRANSIENT',
      details: { retryAfterMs: 7_000 },
    })
    const wrong = createSendGridProvider({
      apiKey: 'SG.wrong',
      from: 'a@acme.test',
      baseUrl: fake.url,
      allowPrivateNetworks: true,
    })
    const error = await wrong.verify?.().then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toMatchObject({ code: 'NOTIFY_PROVIDER_PERMANENT', details: { status: 401 } })
    expect(JSON.stringify(error) + String((error as Error).message)).not.toContain('SG.wrong')
    await provider.verify?.()
  })

  it('reports a failed delivery once retries on a 503 are spent', async () => {
    const down = createSendGridProvider({
      name: 'sg-down',
      apiKey,
      from: 'a@acme.test',
      baseUrl: fake.url,
      allowPrivateNetworks: true,
    })
    const notifier = await createNotifier({
      store: createMemoryNotifyStore(),
      providers: { email: [down] },
      defaults: { retry: { retries: 1, baseMs: 1 } },
    })
    fake.enqueue('POST', '/v3/mail/send', { status: 503, body: '' }, { status: 503, body: '' })
    const result = await notifier.send({
      to: { email: 'z@example.com' },
      channels: ['email'],
      content: { subject: 's', text: 't' },
    })
    expect(result.deliveries[0]).toMatchObject({
      provider: 'sg-down',
      status: 'failed',
      attempts: 2,
      error: { code: '503' },
    })
    await notifier.close()
  })

  it('sends tracking_settings from the provider, the notifier and the message, each overriding the one before', async () => {
    const provider = createSendGridProvider({
      name: 'sg-tracking',
      apiKey,
      from: 'a@acme.test',
      baseUrl: fake.url,
      allowPrivateNetworks: true,
      tracking: { opens: true },
    })
    const notifier = await createNotifier({
      store: createMemoryNotifyStore(),
      providers: { email: [provider] },
      defaults: { emailTracking: { clicks: false } },
    })
    const send = (tracking?: { clicks?: boolean; opens?: boolean }) =>
      notifier.send({
        to: { email: 'track@example.com' },
        channels: ['email'],
        content: { subject: 'Receipt', html: '<a href="https://acme.test/r">receipt</a>' },
        ...(tracking ? { email: { tracking } } : {}),
      })
    const before = sendgrid.accepted.length
    await send()
    await send({ clicks: true })
    await send({ opens: false })
    const bodies = sendgrid.accepted.slice(before)
    expect(bodies.map((body) => body.tracking_settings)).toEqual([
      { click_tracking: { enable: false, enable_text: false }, open_tracking: { enable: true } },
      { click_tracking: { enable: true, enable_text: true }, open_tracking: { enable: true } },
      { click_tracking: { enable: false, enable_text: false }, open_tracking: { enable: false } },
    ])
    await notifier.close()

    // nothing set anywhere: no tracking_settings, the account's settings apply
    const plain = createSendGridProvider({
      name: 'sg-plain',
      apiKey,
      from: 'a@acme.test',
      baseUrl: fake.url,
      allowPrivateNetworks: true,
    })
    await plain.send({ to: ['p@example.com'], subject: 's', text: 't', idempotencyKey: 'plain' })
    expect(sendgrid.accepted.at(-1)).not.toHaveProperty('tracking_settings')
    await expect(
      createNotifier({ store: createMemoryNotifyStore() }).then((n) =>
        n.send({
          to: { email: 'x@example.com' },
          channels: ['email'],
          content: { subject: 's', text: 't' },
          email: { tracking: { clicks: 'yes' as unknown as boolean } },
        }),
      ),
    ).rejects.toMatchObject({ code: 'NOTIFY_INVALID_MESSAGE' })
  })
})
