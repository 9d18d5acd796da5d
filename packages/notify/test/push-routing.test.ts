import { randomBytes } from 'node:crypto'
import { type App, deleteApp, initializeApp } from 'firebase-admin/app'
import { getMessaging } from 'firebase-admin/messaging'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createApnsProvider } from '../src/apns/index.js'
import { createFcmProvider } from '../src/fcm/index.js'
import { createNotifier, type PushProvider } from '../src/index.js'
import { createMemoryNotifyStore } from '../src/testing/index.js'
import { apnsKeyPair, startApnsFake } from './fakes/apns-fake.js'
import { startFcmWireFake } from './fakes/fcm-wire-fake.js'

/**
 * A mixed fleet (Android, iOS, web) through the real firebase-admin library (to a loopback FCM v1
 * fake that, like FCM, refuses a raw APNs device token as "not a valid FCM registration token")
 * and the APNs HTTP/2 client (to a loopback h2c fake that, like APNs, answers BadDeviceToken to
 * anything but a hex device token).
 */

const keyId = 'ABC123DEFG'
const teamId = 'TEAM123456'
const bundleId = 'com.acme.tickets'
const keys = apnsKeyPair()

/** An FCM registration token: `<instance id>:APA91b<…>`, as the Firebase SDKs hand them out. */
const fcmToken = () =>
  `${randomBytes(16).toString('base64url').slice(0, 22)}:APA91b${randomBytes(105).toString('base64url')}`
/** An APNs device token: 32 bytes in hex. */
const apnsToken = () => randomBytes(32).toString('hex')
const looksLikeFcm = (token: string) => /^[\w-]{22}:APA91b[\w-]{100,}$/.test(token)

type FcmFake = Awaited<ReturnType<typeof startFcmWireFake>>

async function fcmOn(projectId: string, accessToken: string, fake: FcmFake) {
  const app = initializeApp(
    {
      projectId,
      httpAgent: fake.agent,
      credential: { getAccessToken: async () => ({ access_token: accessToken, expires_in: 3600 }) },
    },
    `${projectId}-${Date.now()}-${Math.random()}`,
  )
  const messaging = getMessaging(app)
  messaging.enableLegacyHttpTransport()
  return { app, messaging }
}

describe('push routed by platform and token kind', () => {
  let fcm: FcmFake
  let backupFcm: FcmFake
  let apns: Awaited<ReturnType<typeof startApnsFake>>
  const apps: App[] = []
  const providers: PushProvider[] = []
  let makeFcm: (name: string, project?: 'primary' | 'backup', accessToken?: string) => Promise<PushProvider>
  const makeApns = (name = 'apns') => {
    const provider = createApnsProvider({
      name,
      keyId,
      teamId,
      bundleId,
      privateKey: keys.privateKey,
      origin: apns.fake.url,
    })
    providers.push(provider)
    return provider
  }

  beforeAll(async () => {
    fcm = await startFcmWireFake({
      projectId: 'acme-push',
      accessToken: 'ya29.primary',
      validToken: looksLikeFcm,
    })
    backupFcm = await startFcmWireFake({
      projectId: 'acme-push-backup',
      accessToken: 'ya29.backup',
      validToken: looksLikeFcm,
    })
    apns = await startApnsFake({ publicKey: keys.publicKey, keyId, teamId, bundleId })
    makeFcm = async (name, project = 'primary', accessToken) => {
      const fake = project === 'primary' ? fcm : backupFcm
      const projectId = project === 'primary' ? 'acme-push' : 'acme-push-backup'
      const { app, messaging } = await fcmOn(
        projectId,
        accessToken ?? (project === 'primary' ? 'ya29.primary' : 'ya29.backup'),
        fake,
      )
      apps.push(app)
      return createFcmProvider({ name, messaging })
    }
  })
  afterAll(async () => {
    for (const provider of providers) await provider.close?.()
    for (const app of apps) await deleteApp(app)
    await fcm.stop()
    await backupFcm.stop()
    await apns.fake.stop()
  })

  const fleet = async (notifier: Awaited<ReturnType<typeof createNotifier>>, userId: string) => {
    const devices = { android: fcmToken(), ios: apnsToken(), web: fcmToken() }
    await notifier.devices.register({ userId, token: devices.android, platform: 'android' })
    await notifier.devices.register({ userId, token: devices.ios, platform: 'ios' })
    await notifier.devices.register({ userId, token: devices.web, platform: 'web' })
    return devices
  }
  const count = (tokens: string[], token: string) => tokens.filter((t) => t === token).length

  for (const order of [
    ['fcm', 'apns'],
    ['apns', 'fcm'],
  ] as const) {
    it(`[${order.join(', ')}]: every device gets exactly one push and none is pruned`, async () => {
      const chain = await Promise.all(order.map((vendor) => (vendor === 'fcm' ? makeFcm('fcm') : makeApns())))
      const notifier = await createNotifier({
        store: createMemoryNotifyStore(),
        providers: { push: chain },
        defaults: { retry: { retries: 2, baseMs: 1, maxMs: 5 } },
      })
      const userId = `fleet-${order.join('-')}`
      const devices = await fleet(notifier, userId)
      const fcmBefore = fcm.accepted.length
      const apnsBefore = apns.accepted.length
      const result = await notifier.send({
        userId,
        channels: ['push'],
        content: { title: 'Doors open', text: 'Gate B' },
        idempotencyKey: `fleet-${order.join('-')}`,
      })
      const viaFcm = fcm.accepted.slice(fcmBefore).map((a) => a.token)
      const viaApns = apns.accepted.slice(apnsBefore).map((a) => a.token)
      expect(count(viaFcm, devices.android)).toBe(1)
      expect(count(viaFcm, devices.web)).toBe(1)
      expect(count(viaApns, devices.ios)).toBe(1)
      expect(viaFcm).toHaveLength(2)
      expect(viaApns).toHaveLength(1)
      expect(result.deliveries[0]).toMatchObject({ status: 'sent' })
      expect(result.deliveries[0]?.failedTokens ?? []).toEqual([])
      expect((await notifier.devices.list(userId)).map((d) => d.token).sort()).toEqual(
        Object.values(devices).sort(),
      )
      await notifier.close()
    })

    it(`[${order.join(', ')}]: a really invalid token of each kind is pruned, by its own vendor only`, async () => {
      const chain = await Promise.all(order.map((vendor) => (vendor === 'fcm' ? makeFcm('fcm') : makeApns())))
      const notifier = await createNotifier({
        store: createMemoryNotifyStore(),
        providers: { push: chain },
        defaults: { retry: { retries: 2, baseMs: 1, maxMs: 5 } },
      })
      const userId = `invalid-${order.join('-')}`
      const devices = await fleet(notifier, userId)
      const goneAndroid = fcmToken()
      const malformedWeb = `${fcmToken().slice(0, 40)}:APA91b-truncated`
      const goneIos = apnsToken()
      await notifier.devices.register({ userId, token: goneAndroid, platform: 'android' })
      await notifier.devices.register({ userId, token: malformedWeb, platform: 'web' })
      await notifier.devices.register({ userId, token: goneIos, platform: 'ios' })
      fcm.tokenError(goneAndroid, {
        httpStatus: 404,
        status: 'NOT_FOUND',
        errorCode: 'UNREGISTERED',
        message: 'Requested entity was not found.',
      })
      apns.unregistered(goneIos)
      const fcmBefore = fcm.paths.length
      const apnsBefore = apns.fake.requests.length
      const result = await notifier.send({
        userId,
        channels: ['push'],
        content: { text: 'Gate B' },
        idempotencyKey: `invalid-${order.join('-')}`,
      })
      expect(result.deliveries[0]).toMatchObject({ status: 'sent' })
      expect(result.deliveries[0]?.failedTokens?.map((f) => f.token).sort()).toEqual(
        [goneAndroid, malformedWeb, goneIos].sort(),
      )
      expect((await notifier.devices.list(userId)).map((d) => d.token).sort()).toEqual(
        Object.values(devices).sort(),
      )
      // each token went to its own vendor, once: 5 FCM tokens, 2 APNs tokens
      expect(fcm.paths.length - fcmBefore).toBe(4)
      const apnsPaths = apns.fake.requests.slice(apnsBefore).map((r) => r.path)
      expect(apnsPaths.sort()).toEqual([`/3/device/${devices.ios}`, `/3/device/${goneIos}`].sort())
      await notifier.close()
    })
  }

  it('fails over between two FCM projects; iOS devices still go to APNs only', async () => {
    // the primary project's credential is refused (401): every FCM token moves to the backup project
    const primary = await makeFcm('fcm-primary', 'primary', 'ya29.revoked')
    const backup = await makeFcm('fcm-backup', 'backup')
    const notifier = await createNotifier({
      store: createMemoryNotifyStore(),
      providers: { push: [primary, backup, makeApns('apns-failover')] },
      defaults: { retry: { retries: 1, baseMs: 1, maxMs: 5 } },
    })
    const devices = await fleet(notifier, 'failover')
    const backupBefore = backupFcm.accepted.length
    const apnsBefore = apns.accepted.length
    const result = await notifier.send({
      userId: 'failover',
      channels: ['push'],
      content: { text: 'Gate B' },
      idempotencyKey: 'failover-1',
    })
    expect(result.deliveries[0]).toMatchObject({ status: 'sent' })
    expect(result.deliveries[0]?.failedTokens ?? []).toEqual([])
    expect(
      backupFcm.accepted
        .slice(backupBefore)
        .map((a) => a.token)
        .sort(),
    ).toEqual([devices.android, devices.web].sort())
    expect(apns.accepted.slice(apnsBefore).map((a) => a.token)).toEqual([devices.ios])
    expect((await notifier.devices.list('failover')).map((d) => d.token).sort()).toEqual(
      Object.values(devices).sort(),
    )
    await notifier.close()
  })
})
