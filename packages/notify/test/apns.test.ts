import { createServer } from 'node:net'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApnsProvider } from '../src/apns/index.js'
import { createNotifier } from '../src/index.js'
import { createMemoryNotifyStore, runPushProviderConformance } from '../src/testing/index.js'
import { apnsKeyPair, startApnsFake } from './fakes/apns-fake.js'

const keyId = 'ABC123DEFG'
const teamId = 'TEAM123456'
const bundleId = 'com.acme.tickets'
const keys = apnsKeyPair()

/** A loopback origin where nothing listens: a port bound, read and released. */
async function closedOrigin(): Promise<string> {
  const server = createServer()
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as { port: number }
  await new Promise<void>((resolve) => server.close(() => resolve()))
  return `http://127.0.0.1:${port}`
}

runPushProviderConformance({
  name: 'apns over h2c → loopback fake',
  async create() {
    const apns = await startApnsFake({ publicKey: keys.publicKey, keyId, teamId, bundleId })
    return {
      provider: createApnsProvider({
        keyId,
        teamId,
        bundleId,
        privateKey: keys.privateKey,
        origin: apns.fake.url,
      }),
      received: () =>
        apns.accepted.map((a) => ({
          token: a.token,
          title: a.payload.aps.alert?.title,
          body: a.payload.aps.alert?.body,
        })),
      failNext: (kind) =>
        apns.fake.enqueue(
          'POST',
          '/3/device/:token',
          kind === 'transient'
            ? { status: 503, body: { reason: 'ServiceUnavailable' } }
            : { status: 400, body: { reason: 'BadDeviceToken' } },
        ),
      // verify() opens the HTTP/2 session: an origin where nothing listens must fail it
      misconfigured: async () =>
        createApnsProvider({
          keyId,
          teamId,
          bundleId,
          privateKey: keys.privateKey,
          origin: await closedOrigin(),
        }),
      close: () => apns.fake.stop(),
    }
  },
})

describe('apns provider', () => {
  let apns: Awaited<ReturnType<typeof startApnsFake>>
  beforeAll(async () => {
    apns = await startApnsFake({ publicKey: keys.publicKey, keyId, teamId, bundleId })
  })
  afterAll(() => apns.fake.stop())

  it('sends alert headers and payload on one reused HTTP/2 session', async () => {
    const provider = createApnsProvider({
      keyId,
      teamId,
      bundleId,
      privateKey: keys.privateKey,
      origin: apns.fake.url,
    })
    const sessionsBefore = apns.fake.sessions
    const tokens = ['aa11', 'bb22', 'cc33'].map((t) => t.repeat(16))
    const result = await provider.send({
      tokens,
      title: 'Doors open',
      body: 'Gate B',
      badge: 2,
      sound: 'default',
      data: { eventId: 'e1' },
      collapseKey: 'evt-e1',
      priority: 'high',
      ttlMs: 3_600_000,
      idempotencyKey: 'idem-e1',
    })
    expect(result.tokens.every((t) => t.ok)).toBe(true)
    await provider.send({
      tokens: [tokens[0] as string],
      body: 'again',
      priority: 'normal',
      idempotencyKey: 'idem-e2',
    })
    await provider.send({
      tokens: [tokens[1] as string],
      priority: 'normal',
      data: { sync: '1' },
      idempotencyKey: 'idem-e3',
    })
    expect(apns.fake.sessions - sessionsBefore).toBe(1)
    const first = apns.accepted.find((a) => a.token === tokens[0])
    expect(first?.request.headers).toMatchObject({
      'apns-topic': bundleId,
      'apns-push-type': 'alert',
      'apns-priority': '10',
      'apns-collapse-id': 'evt-e1',
    })
    expect(Number(first?.request.headers['apns-expiration'])).toBeGreaterThan(Date.now() / 1000)
    expect(first?.payload).toEqual({
      eventId: 'e1',
      aps: { alert: { title: 'Doors open', body: 'Gate B' }, badge: 2, sound: 'default' },
    })
    const background = apns.accepted.at(-1)
    expect(background?.request.headers).toMatchObject({
      'apns-push-type': 'background',
      'apns-priority': '5',
    })
    expect(background?.payload).toEqual({ sync: '1', aps: { 'content-available': 1 } })
    // a resend with the same idempotency key carries the same apns-id
    const again = await provider.send({
      tokens: [tokens[2] as string],
      title: 'Doors open',
      body: 'Gate B',
      priority: 'high',
      idempotencyKey: 'idem-e1',
    })
    expect(again.tokens[0]?.providerMessageId).toBe(result.tokens[2]?.providerMessageId)
    await provider.close?.()
  })

  it('prunes 410 Unregistered, fails BadDeviceToken permanently, retries 429 per token, rejects a wrong key', async () => {
    const provider = createApnsProvider({
      keyId,
      teamId,
      bundleId,
      privateKey: keys.privateKey,
      origin: apns.fake.url,
    })
    const notifier = await createNotifier({
      store: createMemoryNotifyStore(),
      providers: { push: [provider] },
      defaults: { retry: { retries: 2, baseMs: 1 } },
    })
    const good = 'ab'.repeat(32)
    const gone = 'cd'.repeat(32)
    const busy = 'ef'.repeat(32)
    const bad = '12'.repeat(32)
    apns.unregistered(gone)
    apns.script(bad, { status: 400, body: { reason: 'BadDeviceToken' } })
    await notifier.devices.register({ userId: 'u1', token: good, platform: 'ios' })
    await notifier.devices.register({ userId: 'u1', token: gone, platform: 'ios' })
    await notifier.devices.register({ userId: 'u1', token: bad, platform: 'ios' })
    // an FCM-style token on iOS (an app registered through Firebase): APNs does not serve it
    await notifier.devices.register({ userId: 'u1', token: 'fcm-style:token', platform: 'ios' })
    await notifier.devices.register({ userId: 'u1', token: busy, platform: 'ios' })
    apns.script(busy, { status: 429, body: { reason: 'TooManyRequests' } })
    const pending = notifier.send({
      userId: 'u1',
      channels: ['push'],
      content: { title: 'Hi', text: 'There' },
    })
    setTimeout(() => apns.script(busy, { status: 200, headers: { 'apns-id': 'x' } }), 0)
    const result = await pending
    expect(result.deliveries[0]).toMatchObject({ status: 'sent', provider: 'apns' })
    expect(result.deliveries[0]?.failedTokens).toEqual(
      expect.arrayContaining([
        { token: gone, code: 'Unregistered' },
        { token: bad, code: 'BadDeviceToken' },
        { token: 'fcm-style:token', code: 'NO_PROVIDER' },
      ]),
    )
    expect(result.deliveries[0]?.failedTokens?.some((f) => f.token === busy)).toBe(false)
    expect(apns.fake.requests.some((r) => r.path.includes('fcm-style'))).toBe(false)
    expect((await notifier.devices.list('u1')).map((d) => d.token).sort()).toEqual(
      [busy, good, bad, 'fcm-style:token'].sort(),
    )
    const other = apnsKeyPair()
    const wrong = createApnsProvider({
      keyId,
      teamId,
      bundleId,
      privateKey: other.privateKey,
      origin: apns.fake.url,
    })
    await expect(
      wrong.send({ tokens: [good], title: 't', priority: 'high', idempotencyKey: 'k' }),
    ).rejects.toMatchObject({
      code: 'NOTIFY_PROVIDER_PERMANENT',
      details: { providerCode: 'InvalidProviderToken' },
    })
    await wrong.close?.()
    await notifier.close()
  })
})
