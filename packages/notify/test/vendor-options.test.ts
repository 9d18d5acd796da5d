import { isOpskitError } from '@opskit/core'
import { describe, expect, it } from 'vitest'
import { createApnsProvider } from '../src/apns/index.js'
import { createFcmProvider } from '../src/fcm/index.js'
import { createNotifier } from '../src/index.js'
import { createSendGridProvider } from '../src/sendgrid/index.js'
import { createSmtpProvider } from '../src/smtp/index.js'
import { createTwilioProvider } from '../src/twilio/index.js'
import { createWebhookProvider } from '../src/webhook/index.js'

/** The error `create` throws (the test fails when it throws nothing). */
function thrown(create: () => unknown): unknown {
  try {
    create()
  } catch (error) {
    return error
  }
  throw new Error('expected the factory to throw')
}

describe('bad options: one code, NOTIFY_INVALID_OPTIONS, from the notifier and every vendor adapter', () => {
  const missing: Array<[string, () => unknown, string]> = [
    ['smtp', () => createSmtpProvider({} as never), 'host'],
    ['sendgrid', () => createSendGridProvider({ apiKey: 'SG.x' } as never), 'from'],
    ['twilio', () => createTwilioProvider({} as never), 'accountSid'],
    ['fcm', () => createFcmProvider({ projectId: 'p' } as never), 'clientEmail'],
    ['apns', () => createApnsProvider({ keyId: 'k', teamId: 't', privateKey: '' } as never), 'privateKey'],
    ['webhook', () => createWebhookProvider({ secrets: [] }), 'secrets'],
  ]
  for (const [adapter, create, option] of missing) {
    it(`${adapter}: a missing option is NOTIFY_INVALID_OPTIONS naming it`, () => {
      const error = thrown(create)
      expect(isOpskitError(error, 'NOTIFY_INVALID_OPTIONS')).toBe(true)
      expect(error).toMatchObject({ details: { adapter, option } })
      expect((error as Error).message).toContain(`\`${option}\``)
    })
  }

  it('twilio: an account SID that is not one; apns: a key that is not PEM', () => {
    const twilio = thrown(() =>
      createTwilioProvider({ accountSid: 'XX1', authToken: 't', from: '+15005550006' }),
    )
    expect(isOpskitError(twilio, 'NOTIFY_INVALID_OPTIONS')).toBe(true)
    const apns = thrown(() =>
      createApnsProvider({ keyId: 'k', teamId: 't', privateKey: 'not a key', bundleId: 'b' }),
    )
    expect(isOpskitError(apns, 'NOTIFY_INVALID_OPTIONS')).toBe(true)
  })

  it('createNotifier: neither store nor db, or two providers with one name', async () => {
    await expect(createNotifier({})).rejects.toMatchObject({ code: 'NOTIFY_INVALID_OPTIONS' })
    const hooks = () => createWebhookProvider({ secrets: 'whsec_c2VjcmV0' })
    const error = await createNotifier({ db: {} as never, providers: { webhook: [hooks(), hooks()] } }).catch(
      (caught: unknown) => caught,
    )
    expect(isOpskitError(error, 'NOTIFY_INVALID_OPTIONS')).toBe(true)
  })
})
