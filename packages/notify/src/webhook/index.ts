/**
 * `@opskit/notify/webhook`: outbound webhooks signed per Standard Webhooks (no extra dependency),
 * with an SSRF guard that checks every resolved address at connect time.
 * @packageDocumentation
 */
export { isBlockedAddress, type ResolvedAddress, type WebhookResolver } from './address-guard.js'
export {
  type StandardWebhookProvider,
  type WebhookProviderOptions,
  webhookProvider,
} from './webhook-provider.js'
