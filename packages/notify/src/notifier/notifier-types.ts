import type { Clock, HostDatabase, Logger, RetentionPolicy, RetentionReport, TenantMode } from '@opskit/core'
import type { NotifierTemplates } from '../apis/templates-api.js'
import type { EmailTracking } from '../providers/email-provider.js'
import type { ProvidersConfig } from '../providers/index.js'
import type { RateLimit } from '../rate-limit/token-bucket.js'
import type { NotifyRetentionKind, NotifyStore } from '../store/notify-store.js'
import type {
  Delivery,
  DeliveryReceipt,
  DeviceRecord,
  InboxItem,
  NotificationRecord,
  UserPreferences,
} from '../store/records.js'
import type { NotificationTemplate } from '../templates/template-registry.js'
import type { Channel } from '../types/channel.js'
import type { SendInput } from '../types/send-input.js'

/** Prices used when a provider reports none. */
export interface PriceTable {
  /** ISO 4217. @default 'USD' */
  currency?: string
  /** Price of one SMS segment: one number, or per E.164 prefix (longest match wins, `default` as fallback). */
  smsPerSegment?: number | Record<string, number>
  /** Price of one email per recipient. */
  emailPerMessage?: number
  /** Price of one push per token. */
  pushPerToken?: number
}

/** Defaults and policies of a notifier. */
export interface NotifierDefaults {
  /** Template locale when neither the message nor the user gives one. @default 'en' */
  locale?: string
  /** Categories that bypass opt-outs and quiet hours (`security`, `password-reset`). @default [] */
  criticalCategories?: string[]
  /** Retries per provider on transient errors (exponential backoff, full jitter, Retry-After honoured). */
  retry?: { retries?: number; baseMs?: number; maxMs?: number }
  /**
   * Token buckets by provider name: one per tenant and provider (a tenant's burst never delays
   * another tenant's sends), or with `scope: 'provider'` one per provider shared by every tenant
   * (the vendor account's own limit).
   */
  rateLimits?: Record<string, RateLimit>
  /** Most per-tenant token buckets kept in memory (the least recently used go first). @default 10000 */
  maxRateLimitBuckets?: number
  /** Prices for the delivery log. */
  pricing?: PriceTable
  /** Abort one provider call after this long (counted as transient). @default 30000 */
  sendTimeoutMs?: number
  /**
   * A notification left `sending` this long (its sender crashed) may be sent again by the
   * outbox, with the same idempotency key. @default 120000
   */
  staleAfterMs?: number
  /**
   * Click/open tracking of every email, for providers that do it (SendGrid `tracking_settings`);
   * a message's `email.tracking` overrides it member by member. @default the provider account's settings
   */
  emailTracking?: EmailTracking
}

/** One delivery, as reported to {@link NotifyMetrics}. */
export interface DeliveryMetric {
  channel: Channel
  provider: string
  status: Delivery['status']
  attempts: number
  durationMs: number
}

/** Hooks for the host's metrics (e.g. prom-client counters); all optional. */
export interface NotifyMetrics {
  /** Called once per channel of each send. */
  recordDelivery?(metric: DeliveryMetric): void
}

/** Options of {@link createNotifier}. */
export interface NotifierOptions {
  /**
   * Where the delivery log, idempotency keys, preferences, devices, inbox and outbox live:
   * `await createKyselyNotifyStore({ db })`, or a store of the host's own (in unit tests the
   * memory store of `@opskit/notify/testing`). Give `store` or `db`.
   */
  store?: NotifyStore
  /** Shortcut for `store`: the host's Kysely database, on which the notifier creates (and closes) its own Kysely store. */
  db?: HostDatabase
  /** Prefix of the tables in `db` (with the `db` shortcut only). @default 'opskit_' */
  tablePrefix?: string
  /** Providers per channel, tried in order (`mockProviders().providers` from `/testing` in unit tests). */
  providers?: ProvidersConfig
  /** Templates to register (LiquidJS; see the README's Templates section). */
  templates?: NotificationTemplate[]
  /** Partials and layouts by name, for `{% render 'name' %}` and `{% layout 'name' %}`. */
  partials?: Record<string, string>
  /**
   * A directory to read templates from at start: `<name>/<locale>.<part>.liquid` (email),
   * `<name>/<locale>.<channel>.<part>.liquid`, `_partials/<name>.liquid`, `_layouts/<name>.liquid`.
   */
  templateDirectory?: string
  defaults?: NotifierDefaults
  /**
   * How calls name tenants (see the README's "Tenancy"): `'off'` (default) refuses any
   * `tenantId`; `'optional'` works on the untenanted scope without one; `'required'` throws
   * `NOTIFY_TENANT_REQUIRED` without one. No call reads or changes another tenant's rows.
   */
  tenantMode?: TenantMode
  /** Most tenants whose template overrides are kept compiled in memory. @default 1000 */
  maxTenantTemplateSets?: number
  clock?: Clock
  logger?: Logger
  metrics?: NotifyMetrics
}

/** What `send()` returns. */
export interface SendResult {
  /** The notification's id in the delivery log. */
  id: string
  idempotencyKey: string
  /** One entry per requested channel. */
  deliveries: Delivery[]
  /** True when the idempotency key was seen before: nothing was sent, this is the first result. */
  duplicate: boolean
}

/** Health of one provider, from `verifyProviders()`. */
export interface ProviderHealth {
  channel: Channel
  provider: string
  ok: boolean
  /** False when the provider has no `verify()` (assumed healthy). */
  checked: boolean
  error?: { code: string; message: string }
}

/** A running outbox dispatcher. */
export interface OutboxDispatcher {
  /** This dispatcher's lease owner id. */
  readonly owner: string
  /** Claims and sends one batch now; resolves with the number of rows handled. */
  runOnce(): Promise<number>
  /** Stops polling and waits for the batch in flight. */
  stop(): Promise<void>
}

/** Options of `startOutboxDispatcher()`. */
export interface OutboxDispatcherOptions {
  /** Rows claimed per batch. @default 50 */
  batchSize?: number
  /** Wait between empty polls. @default 500 */
  pollIntervalMs?: number
  /** How long a claim lasts before another dispatcher may take the row over. @default 60000 */
  leaseMs?: number
  /** Rows sent in parallel within a batch. @default 8 */
  concurrency?: number
  /** Poll in the background. Set false to drive it with `runOnce()` only. @default true */
  autoStart?: boolean
  /** Called when a batch fails (database down); the default logs it. */
  onError?: (error: unknown) => void
}

/**
 * The tenant of a call: required under `tenantMode: 'required'`, refused under `'off'`; under
 * `'optional'` a call without one works on the rows stored without a tenant.
 */
export interface TenantOption {
  tenantId?: string
}

/** `notifier.preferences`. */
export interface PreferencesApi {
  /** A user's preferences (`{}` when never set). */
  get(userId: string, options?: TenantOption): Promise<UserPreferences>
  /** Replaces a user's preferences (validated: IANA time zone, HH:MM quiet hours). */
  set(userId: string, preferences: UserPreferences, options?: TenantOption): Promise<void>
  /** Merges changes into a user's preferences. */
  update(userId: string, changes: UserPreferences, options?: TenantOption): Promise<UserPreferences>
}

/** `notifier.devices`; stale devices go with `notifier.applyRetention({ devices: { olderThan } })`. */
export interface DevicesApi {
  /**
   * Registers a push token for a user of a tenant (re-registering in the same tenant moves it to
   * that user and refreshes last-seen).
   */
  register(
    device: { userId: string; token: string; platform: DeviceRecord['platform'] } & TenantOption,
  ): Promise<void>
  /** A user's devices, oldest first. */
  list(userId: string, options?: TenantOption): Promise<DeviceRecord[]>
  /** Removes a token; false when it was not registered (in this tenant). */
  remove(token: string, options?: TenantOption): Promise<boolean>
  /** Records that a device was seen now (app opened). */
  seen(token: string, options?: TenantOption): Promise<void>
}

/** `notifier.inbox`: the in-app channel's inbox. */
export interface InboxApi {
  /** A user's inbox, newest first (`limit` 1–500, default 50). */
  list(
    userId: string,
    options?: { unreadOnly?: boolean; limit?: number } & TenantOption,
  ): Promise<InboxItem[]>
  /** Unread items of a user. */
  unreadCount(userId: string, options?: TenantOption): Promise<number>
  /** Marks items read (only the user's own, in the tenant); returns how many changed. */
  markRead(userId: string, ids: string | string[], options?: TenantOption): Promise<number>
  /** Marks every unread item of a user read; returns how many changed. */
  markAllRead(userId: string, options?: TenantOption): Promise<number>
}

/** `notifier.deliveries`: the delivery log. */
export interface DeliveriesApi {
  /** A notification by id (of the call's tenant only). */
  get(id: string, options?: TenantOption): Promise<NotificationRecord | undefined>
  /** The notification that holds an idempotency key in the call's tenant. */
  getByIdempotencyKey(key: string, options?: TenantOption): Promise<NotificationRecord | undefined>
  /** The delivery log, newest first (`limit` 1–1000, default 50). */
  list(options?: { userId?: string; limit?: number } & TenantOption): Promise<NotificationRecord[]>
  /**
   * Records a provider's later delivery report (e.g. from `parseTwilioStatusCallback`) on the
   * delivery it concerns, with the final price when given; false when no delivery has that id.
   * Reports may arrive out of order: one older than the recorded report (by `occurredAt`, or by
   * stage when either has no time) changes nothing. Only the tenant's deliveries are matched.
   */
  recordReceipt(receipt: DeliveryReceipt, options?: TenantOption): Promise<boolean>
}

/** `notifier.webhooks`: endpoints disabled after they answered 410 Gone (kept in the store). */
export interface WebhooksApi {
  /** Disabled endpoints, most recent first. */
  disabledEndpoints(): Promise<Array<{ url: string; reason: string; disabledAt: number }>>
  /** Re-enables an endpoint; returns whether it was disabled. */
  enableEndpoint(url: string): Promise<boolean>
}

/** The object {@link createNotifier} returns. */
export interface Notifier {
  /** Validates, renders, applies preferences and delivers on every channel; see {@link SendResult}. */
  send(input: SendInput): Promise<SendResult>
  /** Validates every input first (nothing is sent if one is invalid), then sends them, a few at a time. */
  sendBatch(inputs: SendInput[], options?: { concurrency?: number }): Promise<SendResult[]>
  /** Templates per name, channel and locale: register, store, load, preview (`render`). */
  readonly templates: NotifierTemplates
  /** Per-user opt-outs, quiet hours, time zone and locale. */
  readonly preferences: PreferencesApi
  /** Push device tokens. */
  readonly devices: DevicesApi
  /** The in-app inbox. */
  readonly inbox: InboxApi
  /** The delivery log. */
  readonly deliveries: DeliveriesApi
  /** Webhook endpoints disabled after a 410. */
  readonly webhooks: WebhooksApi
  /**
   * Writes the notification to the outbox, inside the host's transaction when `trx` is given, so
   * it is sent if and only if that transaction commits. A dispatcher sends it.
   */
  enqueue(input: SendInput, options?: { trx?: HostDatabase }): Promise<{ id: string; idempotencyKey: string }>
  /**
   * Removes expired records in short batches (see the README's "Retention"): kinds without a
   * rule are kept. With `tenantId` only that tenant's records; without, every tenant's (an
   * operator action, in every `tenantMode`). An invalid policy throws `NOTIFY_INVALID_OPTIONS`
   * and deletes nothing.
   */
  applyRetention(
    policy: RetentionPolicy<NotifyRetentionKind>,
    options?: { tenantId?: string; signal?: AbortSignal },
  ): Promise<RetentionReport<NotifyRetentionKind>>
  /** Starts an outbox dispatcher (several may run, in one or many processes). */
  startOutboxDispatcher(options?: OutboxDispatcherOptions): OutboxDispatcher
  /** Checks every provider without sending. */
  verifyProviders(): Promise<ProviderHealth[]>
  /** Stops dispatchers and closes providers. */
  close(): Promise<void>
}
