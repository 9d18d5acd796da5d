import { generateWebhookSecret } from '@opskit/core'
import { type HttpFake, startHttpFake } from '@opskit/test-support'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNotifier } from '../src/index.js'
import { runWebhookProviderConformance } from '../src/testing/index.js'
import { webhookProvider } from '../src/webhook/index.js'

const secret = generateWebhookSecret()
let conformanceUrl = ''

function receiver(fake: HttpFake, secrets: string[]) {
  const accepted: Array<{ type: string; data: Record<string, unknown>; webhookId: string }> = []
  fake.route('POST', '/hooks/:id', (request) => {
    const headers = Object.fromEntries(Object.entries(request.headers).map(([k, v]) => [k, String(v)]))
    const ok = secrets.some((s) => {
      try {
        new Webhook(s).verify(request.text(), headers)
        return true
      } catch {
        return false
      }
    })
    if (!ok) return { status: 401, body: { error: 'bad signature' } }
    const body = request.json<{ type: string; data: Record<string, unknown> }>()
    accepted.push({ type: body.type, data: body.data, webhookId: String(request.headers['webhook-id']) })
    return { status: 204 }
  })
  return accepted
}

runWebhookProviderConformance({
  name: 'standard webhooks → loopback receiver',
  url: () => conformanceUrl,
  async create() {
    const fake = await startHttpFake()
    const accepted = receiver(fake, [secret])
    conformanceUrl = `${fake.url}/hooks/conformance`
    const provider = webhookProvider({ secrets: secret, allowPrivateNetworks: true })
    return {
      provider,
      received: () => accepted,
      failNext: (kind) =>
        fake.enqueue('POST', '/hooks/:id', kind === 'transient' ? { status: 503 } : { status: 400 }),
      close: () => fake.stop(),
    }
  },
})

describe('webhook provider', () => {
  let fake: HttpFake
  beforeAll(async () => {
    fake = await startHttpFake()
  })
  afterAll(() => fake.stop())

  it('signs so that the standardwebhooks package verifies, with old and new secrets during rotation', async () => {
    const next = generateWebhookSecret()
    const onlyOld = await startHttpFake()
    const onlyNew = await startHttpFake()
    receiver(onlyOld, [secret])
    receiver(onlyNew, [next])
    const provider = webhookProvider({ secrets: [next, secret], allowPrivateNetworks: true })
    for (const target of [onlyOld, onlyNew]) {
      await provider.send({
        url: `${target.url}/hooks/a`,
        type: 'order.paid',
        data: { id: 1 },
        idempotencyKey: 'msg_1',
      })
      const request = target.requests[0]
      expect(String(request?.headers['webhook-signature']).split(' ')).toHaveLength(2)
      expect(request?.headers['webhook-id']).toBe('msg_1')
      expect(request?.json()).toMatchObject({ type: 'order.paid', data: { id: 1 } })
    }
    await onlyOld.stop()
    await onlyNew.stop()
  })

  it('retries 5xx/429 with the same webhook-id, disables an endpoint on 410, refuses private targets by default', async () => {
    receiver(fake, [secret])
    const provider = webhookProvider({ secrets: secret, allowPrivateNetworks: true })
    const notifier = await createNotifier({
      mode: 'mock',
      providers: { webhook: [provider] },
      defaults: { retry: { retries: 3, baseMs: 1, maxMs: 5 } },
    })
    fake.enqueue('POST', '/hooks/:id', { status: 500 }, { status: 429, headers: { 'retry-after': '0' } })
    const result = await notifier.send({
      to: { url: `${fake.url}/hooks/retry` },
      channels: ['webhook'],
      webhook: { type: 'ticket.sold' },
      data: { ticket: 7 },
      idempotencyKey: 'evt-7',
    })
    expect(result.deliveries[0]).toMatchObject({ status: 'sent', attempts: 3, providerMessageId: 'evt-7' })
    const ids = fake.requests.filter((r) => r.path === '/hooks/retry').map((r) => r.headers['webhook-id'])
    expect(ids).toEqual(['evt-7', 'evt-7', 'evt-7'])

    fake.enqueue('POST', '/hooks/:id', { status: 410 })
    const gone = await notifier.send({
      to: { url: `${fake.url}/hooks/gone` },
      channels: ['webhook'],
      data: {},
    })
    expect(gone.deliveries[0]).toMatchObject({ status: 'failed', attempts: 1, error: { code: '410' } })
    expect(provider.disabledEndpoints()).toEqual([`${fake.url}/hooks/gone`])
    expect((await notifier.webhooks.disabledEndpoints()).map((e) => e.url)).toEqual([
      `${fake.url}/hooks/gone`,
    ])
    const count = fake.requests.length
    const again = await notifier.send({
      to: { url: `${fake.url}/hooks/gone` },
      channels: ['webhook'],
      data: {},
    })
    expect(again.deliveries[0]?.error?.code).toBe('ENDPOINT_DISABLED')
    expect(fake.requests.length).toBe(count)

    fake.enqueue('POST', '/hooks/:id', { status: 302, headers: { location: 'http://169.254.169.254/' } })
    const redirect = await notifier.send({
      to: { url: `${fake.url}/hooks/redirect` },
      channels: ['webhook'],
      data: {},
    })
    expect(redirect.deliveries[0]).toMatchObject({ status: 'failed', attempts: 1, error: { code: '302' } })

    const guarded = webhookProvider({ secrets: secret })
    await expect(
      guarded.send({ url: `${fake.url}/hooks/x`, type: 't', data: {}, idempotencyKey: 'k' }),
    ).rejects.toMatchObject({
      code: 'NOTIFY_PROVIDER_PERMANENT',
      details: { providerCode: 'PRIVATE_ADDRESS' },
    })
    await notifier.close()
  })
})

describe('disabled webhook endpoints live in the store', () => {
  it('a restarted notifier (new provider, same store) still refuses a 410 endpoint until it is re-enabled', async () => {
    const { createMemoryNotifyStore } = await import('../src/index.js')
    const fake = await startHttpFake()
    const accepted = receiver(fake, [secret])
    const store = createMemoryNotifyStore()
    const make = () =>
      createNotifier({
        mode: 'mock',
        store,
        providers: { webhook: [webhookProvider({ secrets: secret, allowPrivateNetworks: true })] },
      })
    const first = await make()
    fake.enqueue('POST', '/hooks/:id', { status: 410 })
    await first.send({ to: { url: `${fake.url}/hooks/x` }, channels: ['webhook'], data: { n: 1 } })
    await first.close()
    const second = await make()
    const refused = await second.send({
      to: { url: `${fake.url}/hooks/x` },
      channels: ['webhook'],
      data: { n: 2 },
    })
    expect(refused.deliveries[0]).toMatchObject({
      status: 'failed',
      attempts: 0,
      error: { code: 'ENDPOINT_DISABLED' },
    })
    expect(fake.requests).toHaveLength(1)
    expect(await second.webhooks.enableEndpoint(`${fake.url}/hooks/x`)).toBe(true)
    const sent = await second.send({
      to: { url: `${fake.url}/hooks/x` },
      channels: ['webhook'],
      data: { n: 3 },
    })
    expect(sent.deliveries[0]?.status).toBe('sent')
    expect(accepted.map((a) => a.data)).toEqual([{ n: 3 }])
    await second.close()
    await fake.stop()
  })
})
