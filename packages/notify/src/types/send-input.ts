import type { Channel, Priority } from './channel.js'

/** An attachment given to `send()`. */
export interface SendAttachment {
  filename: string
  /** Bytes, or a string in `encoding`. */
  content: Uint8Array | string
  /** How a string `content` is encoded. @default 'utf8' */
  encoding?: 'utf8' | 'base64'
  contentType?: string
}

/** What `notifier.send()` takes. Give `template` or `content`. */
export interface SendInput {
  /**
   * The tenant it is sent in (see `tenantMode`): its preferences, devices, inbox, template
   * overrides, idempotency keys and rate-limit buckets. Required under `'required'`, refused under `'off'`.
   */
  tenantId?: string
  /** The user it concerns: preferences, devices and the in-app inbox are looked up by it. */
  userId?: string
  /** Addresses per channel; push falls back to the user's registered devices. */
  to?: { email?: string | string[]; phone?: string; deviceTokens?: string[]; url?: string }
  /** Channels to deliver on. */
  channels: Channel[]
  /** A registered template name. */
  template?: string
  /** Inline content (no template): `subject`/`html`/`text` for email, `text` for SMS, `title`/`text` for push and in-app. */
  content?: { subject?: string; html?: string; text?: string; title?: string }
  /** Template variables; also the webhook payload. */
  data?: Record<string, unknown>
  /** Template locale (else the user's preference, else the default). */
  locale?: string
  /** Category for preferences (`marketing`, `security`, …). */
  category?: string
  /** `critical` (or a critical category) bypasses opt-outs of the channel and quiet hours. @default 'normal' */
  priority?: Priority
  /** Repeating a send with the same key returns the first result and sends nothing. @default a new id */
  idempotencyKey?: string
  /** Email attachments. */
  attachments?: SendAttachment[]
  /** Deliver later (through the outbox). */
  sendAt?: Date | number | string
  /** Email extras. */
  email?: {
    from?: string
    replyTo?: string
    headers?: Record<string, string>
    listUnsubscribe?: string
    /** Click/open tracking of this message; overrides `defaults.emailTracking` member by member. */
    tracking?: { clicks?: boolean; opens?: boolean }
  }
  /** Push extras. */
  push?: {
    badge?: number
    sound?: string
    collapseKey?: string
    /** Time to live in ms (whole seconds are what APNs keeps); 0 = deliver now or never. */
    ttlMs?: number
    data?: Record<string, string>
  }
  /** Webhook extras: the event `type` (default: the template name or `notification`). */
  webhook?: { type?: string }
}
