import http2 from 'node:http2'
import { deleteApp, initializeApp } from 'firebase-admin/app'
import { getMessaging } from 'firebase-admin/messaging'
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createFcmProvider } from '../src/fcm/index.js'
import { createNotifier } from '../src/index.js'
import { createMemoryNotifyStore, runPushProviderConformance } from '../src/testing/index.js'
import { startFcmWireFake } from './fakes/fcm-wire-fake.js'

type FcmWireFake = Awaited<ReturnType<typeof startFcmWireFake>>

/** What the fake accepted, in the shape the push conformance suite compares. */
function receivedPushes(fake: FcmWireFake) {
  return fake.accepted.map((a) => {
    const notification = a.message.notification as { title?: string; body?: string } | undefined
    return { token: a.token, title: notification?.title, body: notification?.body }
  })
}

/**
 * The FCM v1 error the conformance suite's `failNext` scripts: transient is 429 QUOTA_EXCEEDED
 * (not 503, which firebase-admin retries itself), permanent is 403 SENDER_ID_MISMATCH.
 */
function scriptedFailure(kind: 'transient' | 'permanent') {
  return kind === 'transient'
    ? {
        httpStatus: 429,
        status: 'RESOURCE_EXHAUSTED',
        errorCode: 'QUOTA_EXCEEDED',
        message: 'Quota exceeded.',
      }
    : {
        httpStatus: 403,
        status: 'PERMISSION_DENIED',
        errorCode: 'SENDER_ID_MISMATCH',
        message: 'SenderId mismatch',
      }
}

/**
 * Scripts one 503 UNAVAILABLE and sends one push: firebase-admin's own retry absorbs it, so the
 * send succeeds after two requests. Returns how many requests the fake had seen before.
 */
async function sendPastOne503(fake: FcmWireFake, provider: ReturnType<typeof createFcmProvider>) {
  const before = fake.paths.length
  fake.failNext({
    httpStatus: 503,
    status: 'UNAVAILABLE',
    errorCode: 'UNAVAILABLE',
    message: 'The service is currently unavailable.',
  })
  const result = await provider.send({
    tokens: ['retry-token'],
    body: 'x',
    priority: 'normal',
    idempotencyKey: 'k2',
  })
  expect(result.tokens[0]).toMatchObject({ ok: true })
  expect(fake.paths.length - before).toBe(2)
  return before
}

/**
 * Scripts FCM v1 errors for three of four tokens (404 UNREGISTERED, 400 INVALID_ARGUMENT, 429
 * QUOTA_EXCEEDED), sends one push to all four and checks the per-token outcomes every transport
 * must give; the caller checks what is particular to its transport.
 */
async function sendToScriptedTokens(fake: FcmWireFake, provider: ReturnType<typeof createFcmProvider>) {
  fake.tokenError('gone-token', {
    httpStatus: 404,
    status: 'NOT_FOUND',
    errorCode: 'UNREGISTERED',
    message: 'Requested entity was not found.',
  })
  fake.tokenError('bad-token', {
    httpStatus: 400,
    status: 'INVALID_ARGUMENT',
    errorCode: 'INVALID_ARGUMENT',
    message: 'The registration token is not a valid FCM registration token',
  })
  fake.tokenError('busy-token', {
    httpStatus: 429,
    status: 'RESOURCE_EXHAUSTED',
    errorCode: 'QUOTA_EXCEEDED',
    message: 'Quota exceeded.',
  })
  const result = await provider.send({
    tokens: ['good-token', 'gone-token', 'bad-token', 'busy-token'],
    title: 'Doors open',
    body: 'Gate B',
    data: { eventId: 'e1' },
    collapseKey: 'e1',
    ttlMs: 60_000,
    priority: 'high',
    idempotencyKey: 'k',
  })
  const byToken = Object.fromEntries(result.tokens.map((t) => [t.token, t]))
  expect(byToken['good-token']).toMatchObject({ ok: true })
  expect(byToken['gone-token']).toMatchObject({
    ok: false,
    errorCode: 'messaging/registration-token-not-registered',
    unregistered: true,
  })
  expect(byToken['bad-token']).toMatchObject({
    ok: false,
    errorCode: 'messaging/invalid-argument',
    unregistered: true,
  })
  expect(byToken['busy-token']).toMatchObject({ ok: false, retryable: true })
  return result
}

describe('fcm provider on the real firebase-admin library, over the wire to a loopback FCM v1 fake', () => {
  const projectId = 'acme-test'
  const accessToken = 'ya29.test-access-token'
  let fake: Awaited<ReturnType<typeof startFcmWireFake>>
  let app: ReturnType<typeof initializeApp>
  beforeAll(async () => {
    fake = await startFcmWireFake({ projectId, accessToken })
    app = initializeApp(
      {
        projectId,
        httpAgent: fake.agent,
        credential: { getAccessToken: async () => ({ access_token: accessToken, expires_in: 3600 }) },
      },
      `wire-${Date.now()}`,
    )
  })
  afterAll(async () => {
    await deleteApp(app)
    await fake.stop()
  })

  it('sends through sendEach (HTTP/1.1 transport) and maps FCM v1 errors per token', async () => {
    const messaging = getMessaging(app)
    messaging.enableLegacyHttpTransport()
    const provider = createFcmProvider({ messaging })
    const result = await sendToScriptedTokens(fake, provider)
    expect(fake.paths[0]).toBe(`POST fcm.googleapis.com /v1/projects/${projectId}/messages:send`)
    expect(result.tokens.find((t) => t.token === 'good-token')).toMatchObject({
      providerMessageId: `projects/${projectId}/messages/1`,
    })
    expect(fake.accepted[0]?.message).toMatchObject({
      token: 'good-token',
      notification: { title: 'Doors open', body: 'Gate B' },
      data: { eventId: 'e1' },
      android: { priority: 'high', ttl: '60s', collapse_key: 'e1' },
    })
  })

  it('lets firebase-admin absorb a single 503 with its own retry (a second retry layer under the notifier)', async () => {
    const messaging = getMessaging(app)
    messaging.enableLegacyHttpTransport()
    await sendPastOne503(fake, createFcmProvider({ messaging }))
  })
})

runPushProviderConformance({
  name: 'fcm on firebase-admin → loopback FCM v1 fake',
  async create() {
    const projectId = 'acme-conformance'
    const accessToken = 'ya29.conformance'
    const fake = await startFcmWireFake({ projectId, accessToken })
    const app = initializeApp(
      {
        projectId,
        httpAgent: fake.agent,
        credential: { getAccessToken: async () => ({ access_token: accessToken, expires_in: 3600 }) },
      },
      `wire-conformance-${Date.now()}`,
    )
    const messaging = getMessaging(app)
    messaging.enableLegacyHttpTransport()
    return {
      provider: createFcmProvider({ messaging }),
      received: () => receivedPushes(fake),
      failNext: (kind) => fake.failNext(scriptedFailure(kind)),
      close: async () => {
        await deleteApp(app)
        await fake.stop()
      },
    }
  },
})

const realHttp2Connect = http2.connect

/**
 * Registers hooks that start the fake and a firebase-admin app whose HTTP/2 connections reach it.
 * firebase-admin opens `http2.connect('https://fcm.googleapis.com', { ALPNProtocols: ['h2'], … })`
 * with no option to change it: the wrapper keeps that authority and those options and only
 * supplies the TLS socket (to the fake, SNI fcm.googleapis.com, its certificate checked).
 */
function onHttp2Transport(projectId: string, accessToken: string) {
  const context = {} as {
    fake: Awaited<ReturnType<typeof startFcmWireFake>>
    app: ReturnType<typeof initializeApp>
  }
  beforeAll(async () => {
    context.fake = await startFcmWireFake({ projectId, accessToken })
    vi.spyOn(http2, 'connect').mockImplementation(
      context.fake.redirectHttp2(realHttp2Connect) as typeof http2.connect,
    )
    context.app = initializeApp(
      {
        projectId,
        credential: { getAccessToken: async () => ({ access_token: accessToken, expires_in: 3600 }) },
      },
      `${projectId}-${Date.now()}`,
    )
  })
  afterAll(async () => {
    vi.mocked(http2.connect).mockRestore()
    await deleteApp(context.app)
    await context.fake.stop()
  })
  return context
}

describe("fcm provider on firebase-admin's default HTTP/2 transport, to the same loopback fake", () => {
  const h2 = onHttp2Transport('acme-h2', 'ya29.h2-access-token')

  it('multiplexes one sendEach on one HTTP/2 session and maps FCM v1 errors per token', async () => {
    const provider = createFcmProvider({ messaging: getMessaging(h2.app) })
    const result = await sendToScriptedTokens(h2.fake, provider)
    expect(h2.fake.authorities).toEqual(['https://fcm.googleapis.com'])
    expect(h2.fake.sessions.http2).toBe(1)
    expect(h2.fake.versions).toEqual(['2.0', '2.0', '2.0', '2.0'])
    expect(new Set(h2.fake.paths)).toEqual(
      // Node's HTTP/2 client puts the port in :authority
      new Set([`POST fcm.googleapis.com:443 /v1/projects/acme-h2/messages:send`]),
    )
    expect(result.tokens.find((t) => t.token === 'good-token')).toMatchObject({
      providerMessageId: expect.stringMatching(/^projects\/acme-h2\/messages\/\d+$/),
    })
    expect(h2.fake.accepted.find((a) => a.token === 'good-token')?.message).toMatchObject({
      notification: { title: 'Doors open', body: 'Gate B' },
      data: { eventId: 'e1' },
      android: { priority: 'high', ttl: '60s', collapse_key: 'e1' },
    })
  })

  it("absorbs a single 503 with firebase-admin's own retry on HTTP/2 too", async () => {
    const before = await sendPastOne503(h2.fake, createFcmProvider({ messaging: getMessaging(h2.app) }))
    expect(h2.fake.versions.slice(before)).toEqual(['2.0', '2.0'])
  })
})

describe('an HTTP/2 session that goes away in the middle of a sendEach', () => {
  const h2 = onHttp2Transport('acme-goaway', 'ya29.goaway')

  it('keeps the tokens that went out and retries only the refused ones: each device gets the push once', async () => {
    const provider = createFcmProvider({ messaging: getMessaging(h2.app) })
    h2.fake.goawayAfter(2)
    const tokens = ['t-1', 't-2', 't-3', 't-4', 't-5']
    // firebase-admin rejects the whole sendEach (FirebaseMessagingSessionError); its
    // pendingBatchResponse tells which streams were answered
    const first = await provider.send({ tokens, body: 'Gate B', priority: 'high', idempotencyKey: 'g1' })
    expect(first.tokens.filter((t) => t.ok)).toHaveLength(2)
    const refused = first.tokens.filter((t) => !t.ok)
    expect(refused).toHaveLength(3)
    expect(h2.fake.refused()).toBeGreaterThan(0)
    for (const token of refused)
      expect(token).toMatchObject({ retryable: true, errorCode: 'app/network-error' })
    expect(h2.fake.accepted.map((a) => a.token).sort()).toEqual(
      first.tokens
        .filter((t) => t.ok)
        .map((t) => t.token)
        .sort(),
    )

    // through the notifier: the refused tokens are retried (on a new session), the others are not
    h2.fake.goawayAfter(2)
    const notifier = await createNotifier({
      store: createMemoryNotifyStore(),
      providers: { push: [createFcmProvider({ messaging: getMessaging(h2.app) })] },
      defaults: { retry: { retries: 3, baseMs: 1, maxMs: 5 } },
    })
    const before = h2.fake.accepted.length
    const result = await notifier.send({
      to: {
        deviceTokens: [
          'device-token-1',
          'device-token-2',
          'device-token-3',
          'device-token-4',
          'device-token-5',
        ],
      },
      channels: ['push'],
      content: { title: 'Doors open', text: 'Gate B' },
      idempotencyKey: 'goaway-1',
    })
    expect(result.deliveries[0]).toMatchObject({ status: 'sent' })
    expect(result.deliveries[0]?.failedTokens ?? []).toEqual([])
    const delivered = h2.fake.accepted.slice(before).map((a) => a.token)
    expect(delivered.sort()).toEqual([
      'device-token-1',
      'device-token-2',
      'device-token-3',
      'device-token-4',
      'device-token-5',
    ])
    await notifier.close()
    h2.fake.goawayAfter(undefined)
  })
})

describe('the FCM conformance suite on the HTTP/2 transport', () => {
  runPushProviderConformance({
    name: 'fcm on firebase-admin (HTTP/2) → loopback FCM v1 fake',
    async create() {
      const projectId = 'acme-conformance-h2'
      const accessToken = 'ya29.conformance-h2'
      const fake = await startFcmWireFake({ projectId, accessToken })
      const spy = vi
        .spyOn(http2, 'connect')
        .mockImplementation(fake.redirectHttp2(realHttp2Connect) as typeof http2.connect)
      const app = initializeApp(
        {
          projectId,
          credential: { getAccessToken: async () => ({ access_token: accessToken, expires_in: 3600 }) },
        },
        `h2-conformance-${Date.now()}-${Math.random()}`,
      )
      return {
        provider: createFcmProvider({ messaging: getMessaging(app) }),
        received: () => {
          expect(fake.versions.every((v) => v === '2.0')).toBe(true)
          return receivedPushes(fake)
        },
        failNext: (kind) => fake.failNext(scriptedFailure(kind)),
        close: async () => {
          spy.mockRestore()
          await deleteApp(app)
          await fake.stop()
        },
      }
    },
  })
})
