import { describe, expect, it } from 'vitest'
import { configFromEnv } from '../src/index.js'

const full = {
  NOTIFICATION_MODE: 'production',
  SENDGRID_API_KEY: 'SG.secret-value',
  SENDGRID_FROM_EMAIL: 'no-reply@acme.test',
  SMTP_HOST: 'smtp.acme.test',
  SMTP_PORT: '465',
  SMTP_USER: 'mailer',
  SMTP_PASSWORD: 'smtp-secret',
  TWILIO_ACCOUNT_SID: 'AC123',
  TWILIO_AUTH_TOKEN: 'twilio-secret',
  TWILIO_PHONE_NUMBER: '+15005550006',
  FIREBASE_PROJECT_ID: 'acme',
  FIREBASE_CLIENT_EMAIL: 'svc@acme.iam.gserviceaccount.com',
  FIREBASE_PRIVATE_KEY: '-----BEGIN PRIVATE KEY-----\\nabc\\n-----END PRIVATE KEY-----',
  APNS_KEY_ID: 'ABC123DEFG',
  APNS_TEAM_ID: 'TEAM123456',
  APNS_KEY: '-----BEGIN PRIVATE KEY-----\\nxyz\\n-----END PRIVATE KEY-----',
  APNS_BUNDLE_ID: 'com.acme.app',
}

describe('configFromEnv', () => {
  it('maps every provider', () => {
    const config = configFromEnv(full)
    expect(config.mode).toBe('production')
    expect(config.email.sendgrid).toEqual({ apiKey: 'SG.secret-value', from: 'no-reply@acme.test' })
    expect(config.email.smtp).toEqual({
      host: 'smtp.acme.test',
      port: 465,
      secure: true,
      from: 'no-reply@acme.test',
      auth: { user: 'mailer', pass: 'smtp-secret' },
    })
    expect(config.sms.twilio).toEqual({
      accountSid: 'AC123',
      authToken: 'twilio-secret',
      from: '+15005550006',
    })
    expect(config.push.fcm?.projectId).toBe('acme')
    expect(config.push.apns).toMatchObject({
      keyId: 'ABC123DEFG',
      bundleId: 'com.acme.app',
      production: false,
    })
    expect(config.push.apns?.privateKey).toContain('\nxyz\n')
  })

  it('fails loudly on a half-configured provider in production, naming variables but no values', () => {
    const { TWILIO_AUTH_TOKEN: _token, SMTP_PASSWORD: _pass, ...half } = full
    let error: unknown
    try {
      configFromEnv(half)
    } catch (caught) {
      error = caught
    }
    expect(error).toMatchObject({ code: 'NOTIFY_INVALID_OPTIONS' })
    const text = `${(error as Error).message} ${JSON.stringify(error)}`
    expect(text).toContain('twilio is missing TWILIO_AUTH_TOKEN')
    expect(text).toContain('smtp is missing SMTP_PASSWORD')
    for (const secret of ['SG.secret-value', 'smtp-secret', 'AC123', 'BEGIN PRIVATE KEY'])
      expect(text).not.toContain(secret)
  })

  it('needs nothing in mock mode and reports incomplete providers instead of throwing', () => {
    expect(configFromEnv({})).toMatchObject({ mode: 'mock', email: {}, sms: {}, push: {}, incomplete: [] })
    expect(configFromEnv({ NOTIFICATION_MODE: 'mock', TWILIO_ACCOUNT_SID: 'AC1' }).incomplete).toEqual([
      { provider: 'twilio', missing: ['TWILIO_AUTH_TOKEN', 'TWILIO_PHONE_NUMBER'] },
    ])
    expect(configFromEnv({ NODE_ENV: 'production' }).mode).toBe('production')
    expect(() => configFromEnv({ NOTIFICATION_MODE: 'prod' })).toThrow(/NOTIFICATION_MODE/)
  })
})
