import { describe, expect, it } from 'vitest'
import {
  createFcmProvider,
  type FcmBatchResponse,
  type FcmMessage,
  type FcmMessagingLike,
} from '../src/fcm/index.js'
import { createNotifier } from '../src/index.js'
import { createMemoryNotifyStore, runPushProviderConformance } from '../src/testing/index.js'

/**
 * A fake of firebase-admin's `Messaging.sendEach` at the provider's seam (firebase-admin hard-codes
 * fcm.googleapis.com and has no messaging emulator): per-token results index-aligned with the
 * input and the SDK's real error codes and messages.
 */
function fakeMessaging() {
  const calls: FcmMessage[][] = []
  const accepted: FcmMessage[] = []
  const perToken = new Map<string, { code: string; message: string }>()
  let failWhole: { code: string; message: string } | undefined
  const messaging: FcmMessagingLike = {
    async sendEach(messages) {
      if (messages.length > 500)
        throw Object.assign(new Error('messages list must not contain more than 500 items'), {
          code: 'messaging/invalid-argument',
        })
      calls.push(messages)
      if (failWhole) {
        const error = Object.assign(new Error(failWhole.message), { code: failWhole.code })
        failWhole = undefined
        throw error
      }
      const responses: FcmBatchResponse['responses'] = messages.map((m) => {
        const error = perToken.get(m.token)
        if (error) return { success: false, error }
        accepted.push(m)
        return { success: true, messageId: `projects/acme/messages/${accepted.length}` }
      })
      return {
        successCount: responses.filter((r) => r.success).length,
        failureCount: responses.filter((r) => !r.success).length,
        responses,
      }
    },
  }
  return {
    messaging,
    calls,
    accepted,
    tokenError: (token: string, code: string, message: string) => perToken.set(token, { code, message }),
    clearTokenError: (token: string) => perToken.delete(token),
    failNext: (code: string, message: string) => {
      failWhole = { code, message }
    },
  }
}

runPushProviderConformance({
  name: 'fcm (firebase-admin messaging seam)',
  async create() {
    const fake = fakeMessaging()
    return {
      provider: createFcmProvider({ messaging: fake.messaging }),
      received: () =>
        fake.accepted.map((m) => ({
          token: m.token,
          title: m.notification?.title,
          body: m.notification?.body,
        })),
      failNext: (kind) =>
        kind === 'transient'
          ? fake.failNext('messaging/server-unavailable', 'The server could not process the request in time.')
          : fake.failNext(
              'app/invalid-credential',
              'Credential implementation provided to initializeApp() failed',
            ),
    }
  },
})

describe('fcm provider', () => {
  it('sends in batches of 500, maps fields, and classifies per-token errors index by index', async () => {
    const fake = fakeMessaging()
    const provider = createFcmProvider({ messaging: fake.messaging })
    const tokens = Array.from({ length: 1203 }, (_, i) => `tok-${String(i).padStart(6, '0')}`)
    fake.tokenError(
      'tok-000007',
      'messaging/registration-token-not-registered',
      'Requested entity was not found.',
    )
    fake.tokenError(
      'tok-000600',
      'messaging/invalid-argument',
      'The registration token is not a valid FCM registration token',
    )
    fake.tokenError(
      'tok-001100',
      'messaging/message-rate-exceeded',
      'Sending limit exceeded for the message target.',
    )
    fake.tokenError('tok-001200', 'messaging/invalid-argument', 'Android message is too big')
    const result = await provider.send({
      tokens,
      title: 'T',
      body: 'B',
      data: { k: 'v' },
      badge: 1,
      sound: 'ding',
      collapseKey: 'c',
      ttlMs: 60_000,
      priority: 'high',
      idempotencyKey: 'k',
    })
    expect(fake.calls.map((c) => c.length)).toEqual([500, 500, 203])
    expect(result.tokens).toHaveLength(1203)
    expect(result.tokens.map((t) => t.token)).toEqual(tokens)
    const byToken = new Map(result.tokens.map((t) => [t.token, t]))
    expect(byToken.get('tok-000007')).toMatchObject({ ok: false, unregistered: true })
    expect(byToken.get('tok-000600')).toMatchObject({ ok: false, unregistered: true })
    expect(byToken.get('tok-001100')).toMatchObject({ ok: false, retryable: true })
    expect(byToken.get('tok-001200')).toMatchObject({ ok: false, errorCode: 'messaging/invalid-argument' })
    expect(byToken.get('tok-001200')?.unregistered).toBeUndefined()
    expect(fake.calls[0]?.[0]).toEqual({
      token: 'tok-000000',
      notification: { title: 'T', body: 'B' },
      data: { k: 'v' },
      android: { priority: 'high', ttl: 60_000, collapseKey: 'c', notification: { sound: 'ding' } },
      apns: {
        headers: { 'apns-priority': '10', 'apns-collapse-id': 'c' },
        payload: { aps: { badge: 1, sound: 'ding' } },
      },
    })
  })

  it('prunes unregistered tokens through the notifier and retries rate-limited ones', async () => {
    const fake = fakeMessaging()
    const notifier = await createNotifier({
      store: createMemoryNotifyStore(),
      providers: { push: [createFcmProvider({ messaging: fake.messaging })] },
      defaults: { retry: { retries: 2, baseMs: 1 } },
    })
    await notifier.devices.register({ userId: 'u', token: 'live-token-1', platform: 'android' })
    await notifier.devices.register({ userId: 'u', token: 'dead-token-1', platform: 'android' })
    await notifier.devices.register({ userId: 'u', token: 'slow-token-1', platform: 'web' })
    fake.tokenError(
      'dead-token-1',
      'messaging/registration-token-not-registered',
      'Requested entity was not found.',
    )
    fake.tokenError('slow-token-1', 'messaging/message-rate-exceeded', 'Sending limit exceeded')
    const pending = notifier.send({ userId: 'u', channels: ['push'], content: { text: 'hello' } })
    setTimeout(() => fake.clearTokenError('slow-token-1'), 0)
    const result = await pending
    expect(result.deliveries[0]).toMatchObject({
      status: 'sent',
      failedTokens: [{ token: 'dead-token-1', code: 'messaging/registration-token-not-registered' }],
    })
    expect((await notifier.devices.list('u')).map((d) => d.token)).toEqual(['live-token-1', 'slow-token-1'])
    await notifier.close()
  })

  it('needs credentials when no messaging instance is given', () => {
    expect(() => createFcmProvider({ projectId: 'p' })).toThrow(/clientEmail/)
  })
})
