/**
 * `@opskit/notify`: multi-channel notifications — email, SMS, push, in-app and signed webhooks —
 * with templates, preferences, retries, failover, rate limits, idempotency, a delivery log and
 * an outbox. Vendor adapters live at subpaths (`@opskit/notify/smtp`, `/twilio`, …).
 * @packageDocumentation
 */

export { escapeHtml } from '@opskit/core/internal'
export type { NotifierTemplates } from './apis/templates-api.js'
export { configFromEnv, type NotifyEnvConfig } from './config/config-from-env.js'
export {
  NotifyError,
  type NotifyErrorCode,
  type ProviderErrorInfo,
  providerError,
  throwIfAborted,
} from './errors/notify-error.js'
export { createNotifier } from './notifier/create-notifier.js'
export type {
  DeliveriesApi,
  DeliveryMetric,
  DevicesApi,
  InboxApi,
  Notifier,
  NotifierDefaults,
  NotifierOptions,
  NotifyMetrics,
  OutboxDispatcher,
  OutboxDispatcherOptions,
  PreferencesApi,
  PriceTable,
  ProviderHealth,
  SendResult,
  TenantOption,
  WebhooksApi,
} from './notifier/notifier-types.js'
export type {
  EmailAttachment,
  EmailMessage,
  EmailProvider,
  EmailTracking,
} from './providers/email-provider.js'
export type { AnyProvider, ProvidersConfig } from './providers/index.js'
export type {
  Cost,
  ProviderBase,
  ProviderCallOptions,
  ProviderCapabilities,
  ProviderResult,
} from './providers/provider-common.js'
export type {
  DevicePlatform,
  PushMessage,
  PushProvider,
  PushProviderCapabilities,
  PushResult,
  PushTokenKind,
  PushTokenResult,
} from './providers/push-provider.js'
export type { SmsMessage, SmsProvider } from './providers/sms-provider.js'
export type { WebhookMessage, WebhookProvider } from './providers/webhook-provider.js'
export { type PushTarget, pushTokenKind, servesDevice } from './push/push-routing.js'
export type { RateLimit } from './rate-limit/token-bucket.js'
export { countSmsSegments, type SmsSegmentInfo } from './sms/segments.js'
export {
  createKyselyNotifyStore,
  type KyselyNotifyStoreOptions,
} from './store/kysely/kysely-notify-store.js'
export { notifyMigrations } from './store/kysely/migrations.js'
export type { NotifyRetentionKind, NotifyStore, RetentionBatchQuery } from './store/notify-store.js'
export type {
  Delivery,
  DeliveryReceipt,
  DeliveryStatus,
  DeviceRecord,
  InboxItem,
  NotificationRecord,
  NotificationState,
  OutboxRecord,
  ReceiptRecord,
  TemplateKey,
  TemplateRecord,
  UserPreferences,
} from './store/records.js'
export { MAX_RECEIPT_HISTORY } from './store/records.js'
export {
  readTemplateDirectory,
  registerTemplateDirectory,
  type TemplateDirectoryContent,
} from './templates/template-directory.js'
export {
  createTemplateRegistry,
  type NotificationTemplate,
  type RenderedTemplate,
  type TemplateContent,
  type TemplatePart,
  type TemplateRegistry,
  type TemplateRenderOptions,
} from './templates/template-registry.js'
export { htmlToText } from './text/html-to-text.js'
export { CHANNELS, type Channel, type Priority } from './types/channel.js'
export type { SendAttachment, SendInput } from './types/send-input.js'
