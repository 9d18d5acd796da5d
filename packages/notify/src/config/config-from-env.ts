import type { ApnsProviderOptions } from '../apns/apns-provider.js'
import { NotifyError } from '../errors/notify-error.js'
import type { FcmProviderOptions } from '../fcm/fcm-provider.js'
import type { SendGridProviderOptions } from '../sendgrid/sendgrid-provider.js'
import type { SmtpProviderOptions } from '../smtp/smtp-provider.js'
import type { TwilioProviderOptions } from '../twilio/twilio-provider.js'

/**
 * Provider options read from the environment, ready for the factories of each subpath
 * (`createSmtpProvider(env.email.smtp)`, …); a provider is present only when all its variables are.
 */
export interface NotifyEnvConfig {
  /**
   * What `NOTIFICATION_MODE` asks for: `mock` (no credentials needed; the host passes
   * `mockProviders().providers` from `@opskit/notify/testing`) or `production` (strict).
   */
  mode: 'mock' | 'production'
  email: { sendgrid?: SendGridProviderOptions; smtp?: SmtpProviderOptions }
  sms: { twilio?: TwilioProviderOptions }
  push: { fcm?: FcmProviderOptions; apns?: ApnsProviderOptions }
  /** Providers left out in mock mode because some of their variables were missing (names only). */
  incomplete: Array<{ provider: string; missing: string[] }>
}

const GROUPS = {
  sendgrid: ['SENDGRID_API_KEY', 'SENDGRID_FROM_EMAIL'],
  smtp: ['SMTP_HOST', 'SMTP_FROM'],
  twilio: ['TWILIO_ACCOUNT_SID', 'TWILIO_AUTH_TOKEN', 'TWILIO_PHONE_NUMBER'],
  fcm: ['FIREBASE_PROJECT_ID', 'FIREBASE_CLIENT_EMAIL', 'FIREBASE_PRIVATE_KEY'],
  apns: ['APNS_KEY_ID', 'APNS_TEAM_ID', 'APNS_KEY', 'APNS_BUNDLE_ID'],
} as const
const OPTIONAL: Record<keyof typeof GROUPS, string[]> = {
  sendgrid: [],
  smtp: ['SMTP_PORT', 'SMTP_USER', 'SMTP_PASSWORD'],
  twilio: [],
  fcm: [],
  apns: ['APNS_PRODUCTION'],
}

/**
 * Maps the usual environment variables to notifier configuration: `NOTIFICATION_MODE`
 * (`mock`|`production`; default `production` when `NODE_ENV=production`, else `mock`),
 * `SENDGRID_API_KEY`/`SENDGRID_FROM_EMAIL`, `SMTP_HOST`/`SMTP_PORT`/`SMTP_USER`/`SMTP_PASSWORD`/`SMTP_FROM`
 * (falls back to `SENDGRID_FROM_EMAIL`), `TWILIO_ACCOUNT_SID`/`TWILIO_AUTH_TOKEN`/`TWILIO_PHONE_NUMBER`,
 * `FIREBASE_PROJECT_ID`/`FIREBASE_CLIENT_EMAIL`/`FIREBASE_PRIVATE_KEY`,
 * `APNS_KEY_ID`/`APNS_TEAM_ID`/`APNS_KEY`/`APNS_BUNDLE_ID`/`APNS_PRODUCTION`.
 *
 * In production mode a half-configured provider (some of its variables set, others not) throws
 * `NOTIFY_INVALID_OPTIONS` naming the missing variables — never their values. Mock mode needs none.
 *
 * @example
 * ```ts
 * const env = configFromEnv(process.env)
 * const notifier = await createNotifier({
 *   db,
 *   providers: { email: env.email.sendgrid ? [createSendGridProvider(env.email.sendgrid)] : [] },
 * })
 * ```
 */
export function configFromEnv(env: Record<string, string | undefined>): NotifyEnvConfig {
  const value = (name: string): string | undefined => {
    const raw = env[name]
    return raw === undefined || raw.trim() === '' ? undefined : raw.trim()
  }
  const modeText = value('NOTIFICATION_MODE') ?? (env.NODE_ENV === 'production' ? 'production' : 'mock')
  if (modeText !== 'mock' && modeText !== 'production') {
    throw new NotifyError(
      'NOTIFY_INVALID_OPTIONS',
      `NOTIFICATION_MODE must be "mock" or "production", not "${modeText.slice(0, 20)}"`,
    )
  }
  const mode = modeText
  const smtpFrom = value('SMTP_FROM') ?? value('SENDGRID_FROM_EMAIL')
  const present = (name: string) =>
    name === 'SMTP_FROM' ? smtpFrom !== undefined : value(name) !== undefined
  const incomplete: NotifyEnvConfig['incomplete'] = []
  const complete = new Set<string>()
  for (const [provider, names] of Object.entries(GROUPS) as Array<[keyof typeof GROUPS, readonly string[]]>) {
    const own = [...names, ...OPTIONAL[provider]].filter((name) => name !== 'SMTP_FROM')
    const any = own.some((name) => value(name) !== undefined)
    const missing = names.filter((name) => !present(name))
    if (
      provider === 'smtp' &&
      (value('SMTP_USER') === undefined) !== (value('SMTP_PASSWORD') === undefined)
    ) {
      missing.push(value('SMTP_USER') === undefined ? 'SMTP_USER' : 'SMTP_PASSWORD')
    }
    if (!any) continue
    if (missing.length === 0) complete.add(provider)
    else incomplete.push({ provider, missing })
  }
  if (mode === 'production' && incomplete.length > 0) {
    throw new NotifyError(
      'NOTIFY_INVALID_OPTIONS',
      `half-configured providers: ${incomplete.map((i) => `${i.provider} is missing ${i.missing.join(', ')}`).join('; ')}`,
      { details: { incomplete } },
    )
  }
  const port = value('SMTP_PORT')
  if (complete.has('smtp') && port !== undefined && !/^\d{1,5}$/.test(port)) {
    throw new NotifyError('NOTIFY_INVALID_OPTIONS', 'SMTP_PORT must be a port number')
  }
  const v = (name: string) => value(name) as string
  return {
    mode,
    email: {
      ...(complete.has('sendgrid')
        ? { sendgrid: { apiKey: v('SENDGRID_API_KEY'), from: v('SENDGRID_FROM_EMAIL') } }
        : {}),
      ...(complete.has('smtp')
        ? {
            smtp: {
              host: v('SMTP_HOST'),
              from: smtpFrom as string,
              ...(port ? { port: Number(port), secure: Number(port) === 465 } : {}),
              ...(value('SMTP_USER') ? { auth: { user: v('SMTP_USER'), pass: v('SMTP_PASSWORD') } } : {}),
            },
          }
        : {}),
    },
    sms: complete.has('twilio')
      ? {
          twilio: {
            accountSid: v('TWILIO_ACCOUNT_SID'),
            authToken: v('TWILIO_AUTH_TOKEN'),
            from: v('TWILIO_PHONE_NUMBER'),
          },
        }
      : {},
    push: {
      ...(complete.has('fcm')
        ? {
            fcm: {
              projectId: v('FIREBASE_PROJECT_ID'),
              clientEmail: v('FIREBASE_CLIENT_EMAIL'),
              privateKey: v('FIREBASE_PRIVATE_KEY'),
            },
          }
        : {}),
      ...(complete.has('apns')
        ? {
            apns: {
              keyId: v('APNS_KEY_ID'),
              teamId: v('APNS_TEAM_ID'),
              privateKey: v('APNS_KEY').replace(/\\n/g, '\n'),
              bundleId: v('APNS_BUNDLE_ID'),
              production: value('APNS_PRODUCTION') === 'true',
            },
          }
        : {}),
    },
    incomplete: mode === 'mock' ? incomplete : [],
  }
}
