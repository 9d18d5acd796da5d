import { createPublicKey, type KeyObject, verify } from 'node:crypto'
import { NotifyError } from '../errors/notify-error.js'
import { receiptStage } from '../store/receipt-stage.js'
import type { DeliveryReceipt } from '../store/records.js'

/** The signed parts of a SendGrid Event Webhook request. */
export interface SendGridSignatureInput {
  /** The raw request body, byte for byte as received (parse it only afterwards). */
  body: string | Uint8Array
  /** The `X-Twilio-Email-Event-Webhook-Signature` header (base64 DER ECDSA signature). */
  signature: string | undefined
  /** The `X-Twilio-Email-Event-Webhook-Timestamp` header (Unix seconds). */
  timestamp: string | undefined
  /**
   * The verification key from SendGrid's Mail Settings → Signed Event Webhook: base64 DER
   * (SubjectPublicKeyInfo of a P-256 key), a PEM `PUBLIC KEY`, or a `KeyObject`.
   */
  publicKey: string | KeyObject
}

/** Input of {@link parseSendGridEvents}. */
export interface SendGridEventsInput extends SendGridSignatureInput {
  /** The provider name the messages were sent with. @default 'sendgrid' */
  provider?: string
  /**
   * How far the signed timestamp may be from now, either way, in ms. SendGrid retries a
   * failed POST for up to 72 hours; raise this if your endpoint may be down longer than it.
   * @default 300000 (5 minutes)
   */
  toleranceMs?: number
  /** The current time in ms. @default Date.now() */
  now?: number
}

/** One SendGrid Event Webhook event, the fields used here (others are ignored). */
interface SendgridEvent {
  event?: unknown
  sg_message_id?: unknown
  timestamp?: unknown
  type?: unknown
  status?: unknown
  reason?: unknown
  response?: unknown
}

function importKey(publicKey: string | KeyObject): KeyObject {
  let key: KeyObject
  try {
    if (typeof publicKey !== 'string') key = publicKey
    else if (publicKey.includes('-----BEGIN')) key = createPublicKey(publicKey)
    else
      key = createPublicKey({
        key: Buffer.from(publicKey.replace(/\s+/g, ''), 'base64'),
        format: 'der',
        type: 'spki',
      })
  } catch (error) {
    throw new NotifyError(
      'NOTIFY_INVALID_OPTIONS',
      '[sendgrid] the event webhook verification key does not parse',
      {
        cause: error,
      },
    )
  }
  if (
    key.type !== 'public' ||
    key.asymmetricKeyType !== 'ec' ||
    key.asymmetricKeyDetails?.namedCurve !== 'prime256v1'
  ) {
    throw new NotifyError(
      'NOTIFY_INVALID_OPTIONS',
      '[sendgrid] the event webhook verification key must be a P-256 (prime256v1) public key',
    )
  }
  return key
}

/**
 * Whether a SendGrid Event Webhook request is signed by the key: ECDSA P-256 with SHA-256 over
 * `timestamp + rawBody`, the signature DER-encoded in base64. Checks the signature only (no time
 * window; {@link parseSendGridEvents} adds that). Throws `NOTIFY_INVALID_OPTIONS` for a key that is
 * not a P-256 public key.
 */
export function verifySendGridSignature(input: SendGridSignatureInput): boolean {
  const key = importKey(input.publicKey)
  if (!input.signature || !input.timestamp) return false
  const body = typeof input.body === 'string' ? Buffer.from(input.body, 'utf8') : Buffer.from(input.body)
  const signed = Buffer.concat([Buffer.from(input.timestamp, 'utf8'), body])
  try {
    return verify('sha256', signed, key, Buffer.from(input.signature, 'base64'))
  } catch {
    return false
  }
}

/** The part of a `sg_message_id` that SendGrid returned as `X-Message-Id` when the mail was sent. */
export function sendGridMessageId(sgMessageId: string): string {
  const dot = sgMessageId.indexOf('.')
  return dot < 0 ? sgMessageId : sgMessageId.slice(0, dot)
}

function text(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string' && typeof value !== 'number') return undefined
  const result = String(value).trim().slice(0, max)
  return result === '' ? undefined : result
}

/** The enhanced status (`4.7.1`) of an SMTP reply, else its basic code (`451`). */
function smtpCode(event: SendgridEvent): string | undefined {
  const status = text(event.status, 50)
  if (status) return status
  const reply = typeof event.response === 'string' ? event.response : ''
  const match = /^\s*(\d{3})(?:[ -](\d\.\d{1,3}\.\d{1,3}))?/.exec(reply)
  return match ? (match[2] ?? match[1]) : undefined
}

/**
 * Verifies a SendGrid Event Webhook POST ({@link verifySendGridSignature} plus a time window on
 * the signed timestamp) and turns its events into {@link DeliveryReceipt}s for
 * `notifier.deliveries.recordReceipt()`, oldest first (same second: processed → deferred →
 * delivered/bounce/blocked/dropped → open/click → spamreport/unsubscribe), so recording them in
 * order leaves the latest state.
 *
 * - `providerMessageId` is the `sg_message_id` up to its first `.`: the `X-Message-Id` the send
 *   recorded (SendGrid appends `.filter…`/`.recvd…` per recipient). Events without a
 *   `sg_message_id` (some `dropped` ones) cannot be matched and are left out.
 * - `status` is SendGrid's event name (`processed`, `deferred`, `delivered`, `bounce`, `dropped`,
 *   `open`, `click`, `spamreport`, `unsubscribe`, `group_unsubscribe`, `group_resubscribe`), except
 *   a bounce of type `blocked`, reported as `blocked`.
 * - `errorCode` is the enhanced SMTP status (`5.1.1`) of a bounce, block or deferral (else the
 *   reply's code, `421`), and the reason of a drop (`Bounced Address`, `Unsubscribed Address`, …).
 *
 * Throws `NOTIFY_INVALID_SIGNATURE` when the signature is missing or wrong or the timestamp is
 * outside the window (`details.reason`: `signature` or `timestamp`), `NOTIFY_INVALID_MESSAGE` when
 * the body is not a JSON array, `NOTIFY_INVALID_OPTIONS` for a bad key.
 *
 * @example
 * ```ts
 * app.post('/hooks/sendgrid', express.raw({ type: 'application/json' }), async (req, res) => {
 *   const receipts = parseSendGridEvents({
 *     body: req.body,
 *     signature: req.get('x-twilio-email-event-webhook-signature'),
 *     timestamp: req.get('x-twilio-email-event-webhook-timestamp'),
 *     publicKey: process.env.SENDGRID_WEBHOOK_VERIFICATION_KEY!,
 *   })
 *   for (const receipt of receipts) await notifier.deliveries.recordReceipt(receipt)
 *   res.sendStatus(204)
 * })
 * ```
 */
export function parseSendGridEvents(input: SendGridEventsInput): DeliveryReceipt[] {
  if (!verifySendGridSignature(input)) {
    throw new NotifyError('NOTIFY_INVALID_SIGNATURE', '[sendgrid] event webhook signature does not match', {
      details: { reason: 'signature' },
    })
  }
  const toleranceMs = input.toleranceMs ?? 300_000
  const signedAtMs = Number(input.timestamp) * 1000
  const now = input.now ?? Date.now()
  if (!/^\d{1,12}$/.test(input.timestamp ?? '') || Math.abs(now - signedAtMs) > toleranceMs) {
    throw new NotifyError(
      'NOTIFY_INVALID_SIGNATURE',
      `[sendgrid] event webhook timestamp is more than ${toleranceMs / 1000} s from now`,
      { details: { reason: 'timestamp' } },
    )
  }
  let events: unknown
  try {
    events = JSON.parse(
      typeof input.body === 'string' ? input.body : Buffer.from(input.body).toString('utf8'),
    )
  } catch (error) {
    throw new NotifyError('NOTIFY_INVALID_MESSAGE', '[sendgrid] event webhook body is not JSON', {
      cause: error,
    })
  }
  if (!Array.isArray(events)) {
    throw new NotifyError('NOTIFY_INVALID_MESSAGE', '[sendgrid] event webhook body is not an array of events')
  }
  const provider = input.provider ?? 'sendgrid'
  const entries: Array<{ receipt: DeliveryReceipt; at: number; stage: number; index: number }> = []
  events.forEach((raw: unknown, index) => {
    if (typeof raw !== 'object' || raw === null) return
    const event = raw as SendgridEvent
    const name = text(event.event, 50)
    const sgMessageId = text(event.sg_message_id, 300)
    if (!name || !sgMessageId) return
    const status = name === 'bounce' && event.type === 'blocked' ? 'blocked' : name
    const errorCode =
      status === 'dropped'
        ? text(event.reason, 50)
        : status === 'bounce' || status === 'blocked' || status === 'deferred'
          ? smtpCode(event)
          : undefined
    const at =
      typeof event.timestamp === 'number' && Number.isInteger(event.timestamp) && event.timestamp >= 0
        ? event.timestamp
        : undefined
    entries.push({
      receipt: {
        provider,
        providerMessageId: sendGridMessageId(sgMessageId),
        status,
        ...(at !== undefined ? { occurredAt: at * 1000 } : {}),
        ...(errorCode ? { errorCode } : {}),
      },
      at: at ?? 0,
      stage: receiptStage(status),
      index,
    })
  })
  entries.sort((a, b) => a.at - b.at || a.stage - b.stage || a.index - b.index)
  return entries.map((entry) => entry.receipt)
}
