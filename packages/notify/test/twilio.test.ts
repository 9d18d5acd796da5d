import { createFakeClock } from '@opskit/core/testing'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNotifier } from '../src/index.js'
import {
  createMemoryNotifyStore,
  createMockSmsProvider,
  runSmsProviderConformance,
} from '../src/testing/index.js'
import { createTwilioProvider } from '../src/twilio/index.js'
import { startTwilioFake } from './fakes/twilio-fake.js'

const accountSid = `AC${'a'.repeat(32)}`
const authToken = 'tok_0123456789abcdef'

runSmsProviderConformance({
  name: 'twilio library → loopback fake',
  async create() {
    const twilio = await startTwilioFake(accountSid, authToken)
    const provider = createTwilioProvider({
      accountSid,
      authToken,
      from: '+15005550006',
      baseUrl: twilio.fake.url,
    })
    return {
      provider,
      received: () => twilio.accepted.map(({ to, body }) => ({ to, body })),
      failNext: (kind) => (kind === 'transient' ? twilio.serverErrorNext() : twilio.invalidNumberNext()),
      misconfigured: () =>
        createTwilioProvider({
          accountSid,
          authToken: 'tok_revoked',
          from: '+15005550006',
          baseUrl: twilio.fake.url,
        }),
      close: () => twilio.fake.stop(),
    }
  },
})

describe('twilio provider', () => {
  let twilio: Awaited<ReturnType<typeof startTwilioFake>>
  beforeAll(async () => {
    twilio = await startTwilioFake(accountSid, authToken)
  })
  afterAll(() => twilio.fake.stop())

  it('sends through the real library: Basic auth, form body, sid, segments and reported price', async () => {
    const provider = createTwilioProvider({
      accountSid,
      authToken,
      from: '+15005550006',
      baseUrl: twilio.fake.url,
    })
    const first = await provider.send({
      to: '+14155550100',
      body: 'Your code is 123456',
      idempotencyKey: 'k1',
    })
    const second = await provider.send({ to: '+14155550100', body: 'x'.repeat(200), idempotencyKey: 'k2' })
    expect(first).toEqual({ providerMessageId: expect.stringMatching(/^SM\d{32}$/), segments: 1 })
    expect(second).toMatchObject({ segments: 2, cost: { amount: 0.0079, currency: 'USD' } })
    const request = twilio.fake.requests.find((r) => r.method === 'POST')
    expect(request?.path).toBe(`/2010-04-01/Accounts/${accountSid}/Messages.json`)
    expect(request?.headers['content-type']).toContain('application/x-www-form-urlencoded')
    expect(Object.fromEntries(request?.form() ?? [])).toEqual({
      To: '+14155550100',
      From: '+15005550006',
      Body: 'Your code is 123456',
    })
    await provider.verify?.()
    const wrong = createTwilioProvider({
      accountSid,
      authToken: 'nope-nope',
      from: '+15005550006',
      baseUrl: twilio.fake.url,
    })
    const error = await wrong.verify?.().then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toMatchObject({
      code: 'NOTIFY_PROVIDER_PERMANENT',
      details: { providerCode: 20003, status: 401 },
    })
    expect(JSON.stringify(error)).not.toContain('nope-nope')
    expect(() => createTwilioProvider({ accountSid: 'XX1', authToken, from: '+1' })).toThrow(/AC/)
  })

  it('treats 21211 as permanent with no failover, and 429 as transient honouring Retry-After', async () => {
    const clock = createFakeClock()
    const backup = createMockSmsProvider('backup-sms')
    const notifier = await createNotifier({
      store: createMemoryNotifyStore(),
      clock,
      providers: {
        sms: [
          createTwilioProvider({ accountSid, authToken, from: '+15005550006', baseUrl: twilio.fake.url }),
          backup,
        ],
      },
      defaults: { retry: { retries: 3, baseMs: 10 }, pricing: { smsPerSegment: 0.05 } },
    })
    const invalid = await notifier.send({
      to: { phone: '+15005550001' },
      channels: ['sms'],
      content: { text: 'hi' },
    })
    expect(invalid.deliveries[0]).toMatchObject({
      provider: 'twilio',
      status: 'failed',
      attempts: 1,
      error: { code: '21211' },
    })
    expect(backup.calls).toBe(0)

    twilio.rateLimitNext(3)
    const before = twilio.fake.requests.length
    let done = false
    const pending = notifier
      .send({ to: { phone: '+14155550123' }, channels: ['sms'], content: { text: 'after 429' } })
      .then((r) => {
        done = true
        return r
      })
    for (let i = 0; i < 50 && twilio.fake.requests.length === before; i++)
      await new Promise((r) => setTimeout(r, 10))
    await clock.advance(2_900)
    expect(done).toBe(false)
    await clock.advance(200)
    for (let i = 0; i < 100 && !done; i++) await new Promise((r) => setTimeout(r, 10))
    const result = await pending
    expect(result.deliveries[0]).toMatchObject({ provider: 'twilio', status: 'sent', attempts: 2 })
    expect(result.deliveries[0]?.cost?.amount).toBeGreaterThan(0)
    expect(twilio.fake.requests.length - before).toBe(2)
    await notifier.close()
  })
})

describe('twilio provider errors', () => {
  it('keeps credentials out of the error and its cause when the network fails', async () => {
    const { freePort } = await import('@opskit/test-support')
    const port = await freePort()
    const provider = createTwilioProvider({
      accountSid,
      authToken,
      from: '+15005550006',
      baseUrl: `http://127.0.0.1:${port}`,
    })
    const error = await provider.send({ to: '+14155550100', body: 'x', idempotencyKey: 'k' }).then(
      () => undefined,
      (caught: unknown) => caught,
    )
    expect(error).toMatchObject({ code: 'NOTIFY_PROVIDER_TRANSIENT', retryable: true })
    const cause = (error as Error).cause as Error & Record<string, unknown>
    expect(Object.keys(cause)).not.toContain('config')
    const basic = Buffer.from(`${accountSid}:${authToken}`).toString('base64')
    for (const text of [
      JSON.stringify(error),
      (error as Error).message,
      JSON.stringify(cause),
      cause.message,
      String(cause.stack),
    ]) {
      expect(text).not.toContain(authToken)
      expect(text).not.toContain(basic)
    }
  })
})

describe('twilio status callbacks', () => {
  it('verifies the signature and records the receipt and final price on the delivery', async () => {
    const { parseTwilioStatusCallback } = await import('../src/twilio/index.js')
    const twilioLib = (await import('twilio')).default
    const fake = await startTwilioFake(accountSid, authToken)
    const notifier = await createNotifier({
      store: createMemoryNotifyStore(),
      providers: {
        sms: [
          createTwilioProvider({
            accountSid,
            authToken,
            from: '+15005550006',
            baseUrl: fake.fake.url,
            statusCallback: 'https://api.acme.test/hooks/twilio',
          }),
        ],
      },
    })
    const sent = await notifier.send({
      to: { phone: '+14155550100' },
      channels: ['sms'],
      content: { text: 'hello' },
    })
    expect(fake.fake.requests.at(-1)?.form().get('StatusCallback')).toBe('https://api.acme.test/hooks/twilio')
    const sid = sent.deliveries[0]?.providerMessageId as string
    const url = 'https://api.acme.test/hooks/twilio'
    const params = {
      MessageSid: sid,
      MessageStatus: 'undelivered',
      ErrorCode: '30003',
      AccountSid: accountSid,
      Price: '-0.00790',
      PriceUnit: 'usd',
    }
    const signature = twilioLib.getExpectedTwilioSignature(authToken, url, params)
    const receipt = parseTwilioStatusCallback({ url, params, signature, authToken })
    expect(receipt).toEqual({
      provider: 'twilio',
      providerMessageId: sid,
      status: 'undelivered',
      errorCode: '30003',
      cost: { amount: 0.0079, currency: 'USD' },
    })
    expect(await notifier.deliveries.recordReceipt(receipt)).toBe(true)
    expect((await notifier.deliveries.get(sent.id))?.deliveries[0]).toMatchObject({
      status: 'sent',
      cost: { amount: 0.0079, currency: 'USD' },
      receipt: { status: 'undelivered', errorCode: '30003' },
    })
    expect(() =>
      parseTwilioStatusCallback({
        url,
        params: { ...params, MessageStatus: 'delivered' },
        signature,
        authToken,
      }),
    ).toThrow(expect.objectContaining({ code: 'NOTIFY_INVALID_SIGNATURE' }))
    expect(() => parseTwilioStatusCallback({ url, params, signature: undefined, authToken })).toThrow(
      /signature/,
    )
    await expect(
      notifier.deliveries.recordReceipt({ provider: 'twilio', providerMessageId: '', status: 'x' }),
    ).rejects.toMatchObject({ code: 'NOTIFY_INVALID_MESSAGE' })
    await notifier.close()
    await fake.fake.stop()
  })
})
