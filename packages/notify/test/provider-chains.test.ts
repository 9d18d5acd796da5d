import { randomBytes } from 'node:crypto'
import { startHttpFake, startSmtpServer } from '@opskit/test-support'
import { deleteApp, initializeApp } from 'firebase-admin/app'
import { getMessaging } from 'firebase-admin/messaging'
import { describe, expect, it } from 'vitest'
import { createApnsProvider } from '../src/apns/index.js'
import { createFcmProvider } from '../src/fcm/index.js'
import { type AnyProvider, type Channel, createNotifier, type SendInput } from '../src/index.js'
import { createSendGridProvider } from '../src/sendgrid/index.js'
import { createSmtpProvider } from '../src/smtp/index.js'
import {
  createMemoryNotifyStore,
  createMockPushProvider,
  createMockSmsProvider,
  createMockWebhookProvider,
} from '../src/testing/index.js'
import { createTwilioProvider } from '../src/twilio/index.js'
import { createWebhookProvider } from '../src/webhook/index.js'
import { apnsKeyPair, startApnsFake } from './fakes/apns-fake.js'
import { startFcmWireFake } from './fakes/fcm-wire-fake.js'
import { apiKey, startSendgridFake } from './fakes/sendgrid-fake.js'
import { startTwilioFake } from './fakes/twilio-fake.js'

/**
 * Every channel with two providers of different vendors, in both orders, each vendor reached
 * through its real client against its loopback fake (or a mock where the channel has one vendor):
 * the first delivers when healthy and the second is not called; when the first is down, the second
 * delivers. The README's combinations (sendgrid + smtp, fcm + apns) are among them.
 */

/** One vendor of a channel, started for one case. */
interface Vendor {
  provider: AnyProvider
  /** Recipients it delivered to (addresses, numbers, URLs or device tokens). */
  delivered(): string[]
  /** The address a send must use to reach it (the webhook receiver's URL). */
  address?: string
  /** Makes the next `attempts` calls fail transiently (the vendor is down for the whole send). */
  breakFor(attempts: number): void
  stop(): Promise<void>
}

const RETRIES = 1
const ATTEMPTS = RETRIES + 1
const accountSid = `AC${'c'.repeat(32)}`
const authToken = 'tok_chains'
const apnsKeys = apnsKeyPair()
const fcmToken = () =>
  `${randomBytes(16).toString('base64url').slice(0, 22)}:APA91b${randomBytes(105).toString('base64url')}`
const apnsToken = () => randomBytes(32).toString('hex')

const vendors: Record<string, () => Promise<Vendor>> = {
  async smtp() {
    const server = await startSmtpServer()
    const provider = createSmtpProvider({
      name: 'smtp',
      host: server.host,
      port: server.port,
      from: 'a@acme.test',
    })
    return {
      provider,
      delivered: () => server.messages.flatMap((mail) => mail.envelope.to),
      breakFor: (n) =>
        server.rejectNext(...Array.from({ length: n }, () => ({ code: 451, message: 'Try later' }))),
      stop: async () => {
        await provider.close?.()
        await server.stop()
      },
    }
  },
  async sendgrid() {
    const { fake, accepted } = await startSendgridFake()
    return {
      provider: createSendGridProvider({
        name: 'sendgrid',
        apiKey,
        from: 'a@acme.test',
        baseUrl: fake.url,
        allowPrivateNetworks: true,
      }),
      delivered: () =>
        accepted.flatMap((body) => body.personalizations.flatMap((p) => p.to.map((t) => t.email))),
      breakFor: (n) =>
        fake.enqueue(
          'POST',
          '/v3/mail/send',
          ...Array.from({ length: n }, () => ({ status: 503, body: '' })),
        ),
      stop: () => fake.stop(),
    }
  },
  async twilio() {
    const twilio = await startTwilioFake(accountSid, authToken)
    return {
      provider: createTwilioProvider({
        name: 'twilio',
        accountSid,
        authToken,
        from: '+15005550006',
        baseUrl: twilio.fake.url,
      }),
      delivered: () => twilio.accepted.map((message) => message.to),
      breakFor: (n) => {
        for (let i = 0; i < n; i++) twilio.serverErrorNext()
      },
      stop: () => twilio.fake.stop(),
    }
  },
  async 'mock-sms'() {
    const mock = createMockSmsProvider('mock-sms')
    return {
      provider: mock,
      delivered: () => mock.sent.map((message) => message.to),
      breakFor: (n) => mock.failNext('transient', { times: n }),
      stop: async () => {},
    }
  },
  async webhook() {
    const receiver = await startHttpFake()
    const address = `${receiver.url}/hooks`
    const received: string[] = []
    // enqueued failures answer before the handler: it sees only the deliveries it accepts
    receiver.route('POST', '/hooks', () => {
      received.push(address)
      return { status: 204 }
    })
    return {
      provider: createWebhookProvider({
        name: 'webhook',
        secrets: `whsec_${randomBytes(32).toString('base64')}`,
        allowPrivateNetworks: true,
      }),
      address,
      delivered: () => [...received],
      breakFor: (n) =>
        receiver.enqueue('POST', '/hooks', ...Array.from({ length: n }, () => ({ status: 503, body: '' }))),
      stop: () => receiver.stop(),
    }
  },
  async 'mock-webhook'() {
    const mock = createMockWebhookProvider('mock-webhook')
    return {
      provider: mock,
      delivered: () => mock.sent.map((message) => message.url),
      breakFor: (n) => mock.failNext('transient', { times: n }),
      stop: async () => {},
    }
  },
  async fcm() {
    const fake = await startFcmWireFake({
      projectId: 'acme-chains',
      accessToken: 'ya29.chains',
      validToken: (token) => token.includes(':APA91b'),
    })
    const app = initializeApp(
      {
        projectId: 'acme-chains',
        httpAgent: fake.agent,
        credential: { getAccessToken: async () => ({ access_token: 'ya29.chains', expires_in: 3600 }) },
      },
      `chains-${Date.now()}-${Math.random()}`,
    )
    const messaging = getMessaging(app)
    messaging.enableLegacyHttpTransport()
    const quota = {
      httpStatus: 429,
      status: 'RESOURCE_EXHAUSTED',
      errorCode: 'QUOTA_EXCEEDED',
      message: 'Quota exceeded.',
    }
    return {
      provider: createFcmProvider({ name: 'fcm', messaging }),
      delivered: () => fake.accepted.map((a) => a.token),
      // one request per token: two FCM devices per attempt
      breakFor: (n) => {
        for (let i = 0; i < n * 2; i++) fake.failNext(quota)
      },
      stop: async () => {
        await deleteApp(app)
        await fake.stop()
      },
    }
  },
  async apns() {
    const keyId = 'KEYCHAINS1'
    const teamId = 'TEAMCHAINS'
    const bundleId = 'com.acme.chains'
    const apns = await startApnsFake({ publicKey: apnsKeys.publicKey, keyId, teamId, bundleId })
    const provider = createApnsProvider({
      name: 'apns',
      keyId,
      teamId,
      bundleId,
      privateKey: apnsKeys.privateKey,
      origin: apns.fake.url,
    })
    return {
      provider,
      delivered: () => apns.accepted.map((a) => a.token),
      breakFor: (n) =>
        apns.fake.enqueue(
          'POST',
          '/3/device/:token',
          ...Array.from({ length: n }, () => ({ status: 503, body: { reason: 'ServiceUnavailable' } })),
        ),
      stop: async () => {
        await provider.close?.()
        await apns.fake.stop()
      },
    }
  },
  async 'mock-push-fcm'() {
    // a second FCM-token service (a stand-in for another vendor serving the same devices)
    const mock = createMockPushProvider('mock-push-fcm', { tokenKinds: ['fcm'] })
    return {
      provider: mock,
      delivered: () => mock.sent.flatMap((message) => message.tokens),
      breakFor: (n) => mock.failNext('transient', { times: n }),
      stop: async () => {},
    }
  },
}

/** Channels, the vendor pairs to chain, and what one send addresses. */
const matrix: Array<{ channel: Exclude<Channel, 'in_app'>; pairs: Array<[string, string]> }> = [
  { channel: 'email', pairs: [['smtp', 'sendgrid']] },
  { channel: 'sms', pairs: [['twilio', 'mock-sms']] },
  { channel: 'webhook', pairs: [['webhook', 'mock-webhook']] },
  {
    channel: 'push',
    pairs: [
      ['fcm', 'apns'],
      ['fcm', 'mock-push-fcm'],
    ],
  },
]

/** Which vendor serves which device of the push fleet. */
const pushServes: Record<string, Array<'android' | 'web' | 'ios'>> = {
  fcm: ['android', 'web'],
  'mock-push-fcm': ['android', 'web'],
  apns: ['ios'],
}

async function runCase(channel: Exclude<Channel, 'in_app'>, order: [string, string], firstDown: boolean) {
  const [first, second] = await Promise.all(order.map((name) => (vendors[name] as () => Promise<Vendor>)()))
  const [a, b] = [first as Vendor, second as Vendor]
  const notifier = await createNotifier({
    store: createMemoryNotifyStore(),
    providers: { [channel]: [a.provider, b.provider] },
    defaults: { retry: { retries: RETRIES, baseMs: 1, maxMs: 5 } },
  })
  try {
    const devices = { android: fcmToken(), web: fcmToken(), ios: apnsToken() }
    if (channel === 'push') {
      for (const platform of ['android', 'web', 'ios'] as const)
        await notifier.devices.register({ userId: 'u', token: devices[platform], platform })
    }
    const url = [a, b].find((vendor) => vendor.address)?.address ?? 'https://hooks.acme.test/in'
    const target: Record<Exclude<Channel, 'in_app'>, NonNullable<SendInput['to']> | undefined> = {
      email: { email: 'ada@example.com' },
      sms: { phone: '+14155550100' },
      webhook: { url },
      push: undefined,
    }
    if (firstDown) a.breakFor(ATTEMPTS)
    const result = await notifier.send({
      userId: 'u',
      ...(target[channel] === undefined ? {} : { to: target[channel] }),
      channels: [channel],
      content: { subject: 'Doors open', text: 'Gate B' },
      data: { event: 'doors' },
    })
    const delivery = result.deliveries[0]
    if (channel !== 'push') {
      const recipient = { email: 'ada@example.com', sms: '+14155550100', webhook: url }[channel]
      const winner = firstDown ? b : a
      const loser = firstDown ? a : b
      expect(delivery).toMatchObject({ status: 'sent', provider: winner.provider.name })
      expect(winner.delivered()).toEqual([recipient])
      expect(loser.delivered()).toEqual([])
      expect(delivery?.attempts).toBe(firstDown ? ATTEMPTS + 1 : 1)
      return
    }
    // push: each device only to the vendors that serve it, failover only among those
    const expected = new Map<string, string>()
    for (const platform of ['android', 'web', 'ios'] as const) {
      const serving = order.filter((name) => pushServes[name]?.includes(platform))
      const chain = firstDown ? serving.filter((name) => name !== order[0]) : serving
      if (chain[0]) expected.set(devices[platform], chain[0])
    }
    for (const [index, vendor] of [a, b].entries()) {
      const name = order[index] as string
      const mine = [...expected].filter(([, owner]) => owner === name).map(([token]) => token)
      expect(vendor.delivered().sort()).toEqual(mine.sort())
    }
    const undelivered = Object.values(devices).filter((token) => !expected.has(token))
    expect((delivery?.failedTokens ?? []).map((f) => f.token).sort()).toEqual(undelivered.sort())
    expect(delivery?.status).toBe('sent')
    // nothing pruned: a vendor that is down says nothing about a token
    expect((await notifier.devices.list('u')).map((d) => d.token).sort()).toEqual(
      Object.values(devices).sort(),
    )
  } finally {
    await notifier.close()
    await a.stop()
    await b.stop()
  }
}

describe('mixed provider chains, every channel, both orders', () => {
  for (const { channel, pairs } of matrix) {
    for (const [x, y] of pairs) {
      for (const order of [
        [x, y],
        [y, x],
      ] as Array<[string, string]>) {
        it(`${channel}: [${order.join(', ')}] — the first delivers`, async () => {
          await runCase(channel, order, false)
        })
        it(`${channel}: [${order.join(', ')}] — the first is down, the second delivers what it serves`, async () => {
          await runCase(channel, order, true)
        })
      }
    }
  }
})
