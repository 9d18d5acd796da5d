/**
 * `@opskit/notify/webhook`: outbound webhooks signed per Standard Webhooks (no extra dependency).
 * @packageDocumentation
 */
export {
  type StandardWebhookProvider,
  type WebhookProviderOptions,
  webhookProvider,
} from './webhook-provider.js'
