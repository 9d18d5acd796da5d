import type { Cost } from '../providers/provider-common.js'
import type { NotificationTemplate } from '../templates/template-registry.js'
import type { Channel } from '../types/channel.js'

/** The outcome of one channel of a notification. */
export type DeliveryStatus = 'sent' | 'queued' | 'skipped' | 'failed'

/** One channel's delivery, as `send()` returns it and the delivery log keeps it. */
export interface Delivery {
  channel: Channel
  /** The provider that delivered (or last tried); `inbox` for in-app; empty when none was tried. */
  provider: string
  status: DeliveryStatus
  providerMessageId?: string
  /** Provider-reported price, else the price table's (SMS segments × price, email per message). */
  cost?: Cost
  /** SMS segments. */
  segments?: number
  /** Why it failed or was skipped: a stable code and a message without secrets. */
  error?: { code: string; message: string }
  /** Provider calls made, across retries and failovers. */
  attempts: number
  /** Push: tokens that failed, with the vendor code. */
  failedTokens?: Array<{ token: string; code: string }>
  /**
   * The provider's latest delivery report (a Twilio status callback, a SendGrid event):
   * `delivered`, `undelivered`, `open`, …
   */
  receipt?: ReceiptRecord
  /**
   * Every distinct report, in the order the events happened (by `occurredAt`, else by arrival),
   * including late ones that did not become `receipt`. At most {@link MAX_RECEIPT_HISTORY}: when
   * full, the first ones are kept and the newest takes the last place.
   */
  receipts?: ReceiptRecord[]
}

/** Reports kept per delivery in {@link Delivery.receipts}. */
export const MAX_RECEIPT_HISTORY = 20

/** A provider report as recorded: its status, when it was recorded (`at`) and, when the report says, when it happened. */
export interface ReceiptRecord {
  status: string
  at: number
  occurredAt?: number
  errorCode?: string
}

/** A provider's delivery report for a message it accepted, see `notifier.deliveries.recordReceipt`. */
export interface DeliveryReceipt {
  /** The provider's name as configured (e.g. `twilio`). */
  provider: string
  providerMessageId: string
  /** The vendor's status word (`delivered`, `undelivered`, `failed`, `read`, …). */
  status: string
  /** The vendor's error code, e.g. Twilio `30003`. */
  errorCode?: string
  /**
   * When the provider says the event happened (epoch ms). A report older than the one already
   * recorded is ignored; without times on both, a report never moves a delivery back a stage.
   */
  occurredAt?: number
  /** The final price, when the report carries it (replaces the estimate). */
  cost?: { amount: number; currency: string }
}

/** Where a notification is in its life. */
export type NotificationState = 'queued' | 'sending' | 'done'

/** A notification in the delivery log. */
export interface NotificationRecord {
  id: string
  /** The tenant the notification belongs to (`''`, `NO_TENANT`, when none). */
  tenantId: string
  idempotencyKey: string
  userId?: string
  category?: string
  state: NotificationState
  deliveries: Delivery[]
  createdAt: number
  updatedAt: number
}

/** A user's notification preferences. */
export interface UserPreferences {
  /** IANA time zone for quiet hours, e.g. `Europe/Paris`. @default 'UTC' */
  timeZone?: string
  /** BCP 47 locale used to pick templates. */
  locale?: string
  /** Channel opt-outs: `false` turns a channel off for every non-critical category. */
  channels?: Partial<Record<Channel, boolean>>
  /** Category opt-outs: `false` for the whole category, or per channel. */
  categories?: Record<string, boolean | Partial<Record<Channel, boolean>>>
  /** Quiet hours in the user's time zone, `HH:MM` 24h; may cross midnight (`22:00`–`07:00`). */
  quietHours?: { start: string; end: string }
}

/** A registered push device. */
export interface DeviceRecord {
  /** The tenant the device is registered in (`''` when none); a token may be registered in several tenants. */
  tenantId: string
  userId: string
  token: string
  /**
   * The device's platform: a push goes only to providers that declare it (and the token's kind,
   * see `pushTokenKind`) in their capabilities.
   */
  platform: 'ios' | 'android' | 'web'
  createdAt: number
  lastSeenAt: number
}

/** One in-app inbox item. */
export interface InboxItem {
  id: string
  /** The tenant of the item (`''` when none). */
  tenantId: string
  userId: string
  title?: string
  body: string
  category?: string
  data?: Record<string, unknown>
  createdAt: number
  readAt?: number
}

/** A row of the outbox. */
export interface OutboxRecord {
  id: string
  /** The tenant the message is sent in (`''` when none); the dispatcher sends it in that tenant. */
  tenantId: string
  /** The notification input, as `enqueue` received it (validated). */
  message: Record<string, unknown>
  idempotencyKey: string
  state: 'pending' | 'done' | 'failed'
  /** Claims so far (a claim after a crash counts). */
  attempts: number
  availableAt: number
  leaseOwner?: string
  leaseUntil?: number
  createdAt: number
}

/** A template or a partial/layout kept in the host's database (see `notifier.templates.save()`). */
export type TemplateRecord =
  | { kind: 'template'; template: NotificationTemplate & { locale: string }; updatedAt: number }
  | { kind: 'partial'; name: string; source: string; updatedAt: number }

/** Which stored template or partial: a partial has no channel and no locale. */
export interface TemplateKey {
  kind: TemplateRecord['kind']
  name: string
  channel?: Channel
  locale?: string
}
