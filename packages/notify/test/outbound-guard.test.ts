import { generateWebhookSecret } from '@opskit/core'
import { type HttpFake, startHttpFake } from '@opskit/test-support'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { createSendGridProvider } from '../src/sendgrid/index.js'
import { createWebhookProvider } from '../src/webhook/index.js'

// Attacks on notify's outbound HTTP (issue 16, items 7 and 12): every provider that does its own
// HTTP goes through @opskit/core's guarded client.

let api: HttpFake
let attacker: HttpFake
beforeEach(async () => {
  api = await startHttpFake()
  attacker = await startHttpFake()
  attacker.route('*', '/steal', () => ({ status: 202, body: {} }))
})
afterEach(async () => {
  await api.stop()
  await attacker.stop()
})

const message = {
  to: ['ana@example.com'],
  subject: 'Hi',
  text: 'Hello',
  idempotencyKey: 'k-1',
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as { code?: string; retryable?: boolean; details?: Record<string, unknown> },
  )

describe('SendGrid', () => {
  it('never follows a redirect (the bearer API key would go along)', async () => {
    for (const status of [301, 302, 307, 308]) {
      api.enqueue('POST', '/v3/mail/send', { status, headers: { location: `${attacker.url}/steal` } })
      api.enqueue('GET', '/v3/scopes', { status, headers: { location: `${attacker.url}/steal` } })
    }
    const provider = createSendGridProvider({
      apiKey: 'SG.secret',
      from: 'a@acme.test',
      baseUrl: api.url,
      allowPrivateNetworks: true,
    })
    for (let i = 0; i < 4; i++) {
      expect(await failure(provider.send(message))).toMatchObject({ code: 'NOTIFY_PROVIDER_PERMANENT' })
      expect(await failure(provider.verify?.() ?? Promise.resolve())).toBeDefined()
    }
    expect(attacker.requests).toHaveLength(0)
  })

  it('refuses a private base URL unless allowPrivateNetworks, however it is spelt', async () => {
    api.route('POST', '/v3/mail/send', () => ({ status: 202, headers: { 'x-message-id': 'm' } }))
    for (const baseUrl of [api.url, `http://2130706433:${api.port}`, `http://localhost:${api.port}`]) {
      const provider = createSendGridProvider({ apiKey: 'SG.secret', from: 'a@acme.test', baseUrl })
      expect(await failure(provider.send(message)), baseUrl).toMatchObject({
        code: 'NOTIFY_PROVIDER_PERMANENT',
        details: { providerCode: 'PRIVATE_ADDRESS' },
      })
    }
    expect(api.requests).toHaveLength(0)
  })
})

describe('webhook provider: the special-purpose registries', () => {
  const resolverTo = (address: string) => async () => [{ address, family: 6 as const }]

  it.each([
    '::ffff:0:7f00:1', // IPv4-translated loopback
    '64:ff9b:1::a9fe:a9fe', // local-use NAT64
    '2001:0:4136:e378:8000:63bf:3fff:fdd2', // Teredo
    '5f00::1', // SRv6 SIDs
    '1::1', // outside global unicast
  ])('refuses a hostname that resolves to %s', async (address) => {
    const provider = createWebhookProvider({
      secrets: generateWebhookSecret(),
      lookup: resolverTo(address),
      timeoutMs: 2000,
    })
    const error = await failure(
      provider.send({ url: 'http://hooks.partner.example/in', type: 't', data: {}, idempotencyKey: 'k' }),
    )
    expect(error).toMatchObject({
      code: 'NOTIFY_PROVIDER_PERMANENT',
      details: { providerCode: 'PRIVATE_ADDRESS' },
    })
    await provider.close()
  })
})
