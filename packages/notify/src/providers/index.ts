import type { EmailProvider } from './email-provider.js'
import type { PushProvider } from './push-provider.js'
import type { SmsProvider } from './sms-provider.js'
import type { WebhookProvider } from './webhook-provider.js'

/** Any provider, of any channel. */
export type AnyProvider = EmailProvider | SmsProvider | PushProvider | WebhookProvider

/** Providers per channel, tried in order (the next one is the failover). */
export interface ProvidersConfig {
  email?: EmailProvider[]
  sms?: SmsProvider[]
  push?: PushProvider[]
  webhook?: WebhookProvider[]
}
