import { describe, expect, it } from 'vitest'
import {
  createMockEmailProvider,
  createMockPushProvider,
  createMockSmsProvider,
  createMockWebhookProvider,
  expectSent,
  mockProviders,
  runEmailProviderConformance,
  runPushProviderConformance,
  runSmsProviderConformance,
  runWebhookProviderConformance,
} from '../src/testing/index.js'

runEmailProviderConformance({
  name: 'mock',
  async create() {
    const provider = createMockEmailProvider()
    return {
      provider,
      received: () =>
        provider.sent.map((m) => ({
          to: m.to,
          subject: m.subject,
          text: m.text,
          ...(m.html ? { html: m.html } : {}),
        })),
      failNext: (kind) => provider.failNext(kind),
    }
  },
})
runSmsProviderConformance({
  name: 'mock',
  async create() {
    const provider = createMockSmsProvider()
    return {
      provider,
      received: () => provider.sent.map((m) => ({ to: m.to, body: m.body })),
      failNext: (kind) => provider.failNext(kind),
    }
  },
})
runPushProviderConformance({
  name: 'mock',
  async create() {
    const provider = createMockPushProvider()
    return {
      provider,
      received: () =>
        provider.sent.flatMap((m) => m.tokens.map((token) => ({ token, title: m.title, body: m.body }))),
      failNext: (kind) => provider.failNext(kind),
    }
  },
})
runWebhookProviderConformance({
  name: 'mock',
  url: () => 'https://hooks.example.com/in',
  async create() {
    const provider = createMockWebhookProvider()
    return {
      provider,
      received: () =>
        provider.sent.map((m) => ({ url: m.url, type: m.type, data: m.data, webhookId: m.idempotencyKey })),
      failNext: (kind) => provider.failNext(kind),
    }
  },
})

describe('mock providers', () => {
  it('expectSent returns matches and explains a miss with what was sent', async () => {
    const mocks = mockProviders()
    await mocks.sms.send({ to: '+14155550100', body: 'code 123456', idempotencyKey: 'k' })
    expect(expectSent(mocks, { channel: 'sms', to: '+14155550100', body: /code \d{6}/ })).toHaveLength(1)
    expect(() => expectSent(mocks, { channel: 'sms', to: '+33600000000' })).toThrow(
      /expected at least one sms message\(s\) matching \{"to":"\+33600000000"\}, found 0\. Sent on sms:\n {2}1\. to \+14155550100/,
    )
    expect(() => expectSent(mocks, { channel: 'email', count: 1 })).toThrow(/\(nothing\)/)
    mocks.reset()
    expect(mocks.sms.sent).toEqual([])
    expect(mocks.sms.calls).toBe(0)
  })

  it('failNext scripts several failures with a vendor code and Retry-After', async () => {
    const sms = createMockSmsProvider('s')
    sms.failNext('transient', { times: 2, code: 429, retryAfterMs: 1500 })
    for (let i = 0; i < 2; i++) {
      await expect(sms.send({ to: '+14155550100', body: 'x', idempotencyKey: 'k' })).rejects.toMatchObject({
        code: 'NOTIFY_PROVIDER_TRANSIENT',
        details: { provider: 's', providerCode: 429, retryAfterMs: 1500 },
      })
    }
    await expect(sms.send({ to: '+14155550100', body: 'x', idempotencyKey: 'k' })).resolves.toMatchObject({
      segments: 1,
    })
    expect(sms.calls).toBe(3)
  })

  it('the push mock answers per token', async () => {
    const push = createMockPushProvider()
    const result = await push.send({
      tokens: ['goodtoken1', 'unregistered1', 'invalidtok1'],
      priority: 'normal',
      idempotencyKey: 'k',
    })
    expect(result.tokens.map((t) => [t.ok, t.errorCode, t.unregistered])).toEqual([
      [true, undefined, undefined],
      [false, 'UNREGISTERED', true],
      [false, 'BadDeviceToken', undefined],
    ])
  })
})
