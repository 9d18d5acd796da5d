/**
 * `@opskit/notify/webhook`: outbound webhooks signed per Standard Webhooks (no extra dependency),
 * sent through `@opskit/core`'s SSRF-guarded client, which checks every resolved address at
 * connect time against the IANA special-purpose registries.
 * @packageDocumentation
 */
export {
  type HostResolver as WebhookResolver,
  isBlockedAddress,
  type ResolvedAddress,
} from '@opskit/core'
export {
  createWebhookProvider,
  type StandardWebhookProvider,
  type WebhookProviderOptions,
} from './webhook-provider.js'
