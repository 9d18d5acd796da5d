import { BlockedAddressError, generateWebhookSecret, isBlockedAddress } from '@opskit/core'
import { guardedLookup } from '@opskit/core/internal'
import { type HttpFake, startHttpFake } from '@opskit/test-support'
import { Webhook } from 'standardwebhooks'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createNotifier } from '../src/index.js'
import { createMemoryNotifyStore, runWebhookProviderConformance } from '../src/testing/index.js'
import { createWebhookProvider } from '../src/webhook/index.js'

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
    const provider = createWebhookProvider({ secrets: secret, allowPrivateNetworks: true })
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
    const provider = createWebhookProvider({ secrets: [next, secret], allowPrivateNetworks: true })
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
    const provider = createWebhookProvider({ secrets: secret, allowPrivateNetworks: true })
    const notifier = await createNotifier({
      store: createMemoryNotifyStore(),
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

    const guarded = createWebhookProvider({ secrets: secret })
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
    const fake = await startHttpFake()
    const accepted = receiver(fake, [secret])
    const store = createMemoryNotifyStore()
    const make = () =>
      createNotifier({
        store,
        providers: { webhook: [createWebhookProvider({ secrets: secret, allowPrivateNetworks: true })] },
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

describe('SSRF guard after DNS resolution', () => {
  const blocked = [
    '0.1.2.3',
    '10.1.2.3',
    '100.64.0.1',
    '100.127.255.255',
    '127.0.0.1',
    '127.8.9.10',
    '169.254.169.254',
    '172.16.0.1',
    '172.31.255.255',
    '192.168.1.1',
    '192.0.2.5',
    '198.18.0.1',
    '224.0.0.1',
    '239.1.1.1',
    '240.0.0.1',
    '255.255.255.255',
    '::',
    '::1',
    '[::1]',
    '::127.0.0.1',
    'fc00::1',
    'fd12:3456::1',
    'fe80::1',
    'fe80::1%eth0',
    'febf::1',
    'ff02::1',
    '::ffff:127.0.0.1',
    '::ffff:7f00:1',
    '::ffff:169.254.169.254',
    '::ffff:a9fe:a9fe',
    '::ffff:10.0.0.1',
    '64:ff9b::a9fe:a9fe',
    '2002:7f00:1::',
    '2001:db8::1',
    '100::1',
    'not-an-address',
  ]
  const allowed = [
    '8.8.8.8',
    '1.1.1.1',
    '11.0.0.1',
    '100.63.255.255',
    '100.128.0.0',
    '169.253.1.1',
    '172.15.255.255',
    '172.32.0.0',
    '192.169.0.1',
    '223.255.255.255',
    '2606:4700:4700::1111',
    '2a00:1450:4007:80e::200e',
    '::ffff:8.8.8.8',
    '64:ff9b::808:808',
    '2002:808:808::1',
    '2400:cb00::1',
  ]
  it.each(blocked)('refuses %s', (address) => {
    expect(isBlockedAddress(address)).toBe(true)
  })
  it.each(allowed)('allows %s', (address) => {
    expect(isBlockedAddress(address)).toBe(false)
  })

  function resolverTo(...addresses: string[]) {
    const calls: string[] = []
    const lookup = async (hostname: string) => {
      calls.push(hostname)
      return addresses.map((address) => ({ address, family: (address.includes(':') ? 6 : 4) as 4 | 6 }))
    }
    return { lookup, calls }
  }

  it('refuses a hostname that resolves to loopback, cloud metadata, a mapped IPv6 or a mix; nothing reaches the receiver', async () => {
    const fake = await startHttpFake()
    receiver(fake, [secret])
    const port = new URL(fake.url).port
    for (const answer of [
      ['127.0.0.1'],
      ['169.254.169.254'],
      ['::ffff:127.0.0.1'],
      ['::1'],
      ['8.8.8.8', '10.0.0.7'],
    ]) {
      const { lookup, calls } = resolverTo(...answer)
      const provider = createWebhookProvider({ secrets: secret, lookup, timeoutMs: 2_000 })
      const error = await provider
        .send({
          url: `http://hooks.partner.example:${port}/hooks/a`,
          type: 't',
          data: {},
          idempotencyKey: 'k',
        })
        .then(
          () => undefined,
          (e: unknown) => e,
        )
      expect(error).toMatchObject({
        code: 'NOTIFY_PROVIDER_PERMANENT',
        retryable: false,
        details: { providerCode: 'PRIVATE_ADDRESS', recipientInvalid: true },
      })
      expect(calls).toEqual(['hooks.partner.example'])
      await provider.close()
    }
    expect(fake.requests).toHaveLength(0)
    await fake.stop()
  })

  it('connects to exactly the address the resolver returned (allowPrivateNetworks opts out of the check, not of the resolver)', async () => {
    const fake = await startHttpFake()
    const accepted = receiver(fake, [secret])
    const port = new URL(fake.url).port
    const { lookup, calls } = resolverTo('127.0.0.1')
    const provider = createWebhookProvider({ secrets: secret, lookup, allowPrivateNetworks: true })
    // `.invalid` never resolves in real DNS: reaching the fake proves the injected answer was used.
    await provider.send({
      url: `http://hooks.opskit.invalid:${port}/hooks/a`,
      type: 'order.paid',
      data: { id: 1 },
      idempotencyKey: 'msg_ssrf',
    })
    expect(accepted).toEqual([{ type: 'order.paid', data: { id: 1 }, webhookId: 'msg_ssrf' }])
    expect(fake.requests[0]?.headers.host).toBe(`hooks.opskit.invalid:${port}`)
    expect(calls[0]).toBe('hooks.opskit.invalid')
    await provider.close()
    await fake.stop()
  })

  it('refuses IP literals and internal names before resolving anything', async () => {
    for (const url of [
      'http://169.254.169.254/latest/meta-data/',
      'http://[::ffff:127.0.0.1]:8080/x',
      'http://[fd00::5]/x',
      'http://0.0.0.0:9/x',
      'http://metadata.google.internal/computeMetadata/v1/',
      'http://api.localhost/x',
    ]) {
      const { lookup, calls } = resolverTo('8.8.8.8')
      const provider = createWebhookProvider({ secrets: secret, lookup })
      await expect(provider.send({ url, type: 't', data: {}, idempotencyKey: 'k' })).rejects.toMatchObject({
        details: { providerCode: 'PRIVATE_ADDRESS' },
      })
      expect(calls).toEqual([])
      await provider.close()
    }
  })

  it('hands a public answer to the socket unchanged, in both lookup shapes, honouring the family asked for', async () => {
    const { lookup } = resolverTo('93.184.216.34', '2606:2800:220:1:248:1893:25c8:1946')
    const guarded = guardedLookup(lookup, true)
    const all = await new Promise<unknown>((resolve, reject) =>
      guarded('example.com', { all: true }, (error, addresses) =>
        error ? reject(error) : resolve(addresses),
      ),
    )
    expect(all).toEqual([
      { address: '93.184.216.34', family: 4 },
      { address: '2606:2800:220:1:248:1893:25c8:1946', family: 6 },
    ])
    const one = await new Promise<unknown>((resolve, reject) =>
      guarded('example.com', { family: 6 }, (error, address, family) =>
        error ? reject(error) : resolve([address, family]),
      ),
    )
    expect(one).toEqual(['2606:2800:220:1:248:1893:25c8:1946', 6])
    const refused = await new Promise<unknown>((resolve) =>
      guardedLookup(resolverTo('93.184.216.34', '169.254.169.254').lookup, true)(
        'example.com',
        { all: true },
        (error) => resolve(error),
      ),
    )
    expect(refused).toBeInstanceOf(BlockedAddressError)
    expect(refused).toMatchObject({ address: '169.254.169.254' })
  })

  it('through the notifier: failed once, no retry, no failover, code PRIVATE_ADDRESS', async () => {
    const { lookup } = resolverTo('127.0.0.1')
    const notifier = await createNotifier({
      store: createMemoryNotifyStore(),
      providers: { webhook: [createWebhookProvider({ secrets: secret, lookup })] },
      defaults: { retry: { retries: 3, baseMs: 1, maxMs: 5 } },
    })
    const result = await notifier.send({
      to: { url: 'https://rebind.attacker.example/hook' },
      channels: ['webhook'],
      data: {},
    })
    expect(result.deliveries[0]).toMatchObject({
      status: 'failed',
      attempts: 1,
      error: { code: 'PRIVATE_ADDRESS' },
    })
    await notifier.close()
  })
})

describe('webhook transport', () => {
  it('reports a receiver that does not answer in time as a transient TIMEOUT, a refused connection as NETWORK, and honours Retry-After', async () => {
    const fake = await startHttpFake()
    receiver(fake, [secret])
    const provider = createWebhookProvider({ secrets: secret, allowPrivateNetworks: true, timeoutMs: 100 })
    fake.enqueue('POST', '/hooks/:id', { status: 204, delayMs: 1_000 })
    await expect(
      provider.send({ url: `${fake.url}/hooks/slow`, type: 't', data: {}, idempotencyKey: 'k' }),
    ).rejects.toMatchObject({ code: 'NOTIFY_PROVIDER_TRANSIENT', details: { providerCode: 'TIMEOUT' } })
    fake.enqueue('POST', '/hooks/:id', { status: 503, headers: { 'retry-after': '7' } })
    await expect(
      provider.send({ url: `${fake.url}/hooks/busy`, type: 't', data: {}, idempotencyKey: 'k' }),
    ).rejects.toMatchObject({ details: { providerCode: 503, status: 503, retryAfterMs: 7_000 } })
    const url = `${fake.url}/hooks/closed`
    await fake.stop()
    await expect(provider.send({ url, type: 't', data: {}, idempotencyKey: 'k' })).rejects.toMatchObject({
      code: 'NOTIFY_PROVIDER_TRANSIENT',
      details: { providerCode: 'NETWORK' },
    })
    await provider.close()
  })
})
