import twilio from 'twilio'
import { NotifyError } from '../errors/notify-error.js'
import type { DeliveryReceipt } from '../store/records.js'

/** What {@link parseTwilioStatusCallback} needs from the incoming request. */
export interface TwilioStatusCallbackInput {
  /** The full public URL Twilio posted to (the `statusCallback` given to the provider), query included. */
  url: string
  /** The form fields of the POST body. */
  params: Record<string, string>
  /** The `X-Twilio-Signature` header. */
  signature: string | undefined
  /** The account's auth token (it signs callbacks). */
  authToken: string
  /** The provider name the message was sent with. @default 'twilio' */
  provider?: string
}

/**
 * Verifies a Twilio message status callback (`X-Twilio-Signature`, checked by the twilio
 * library's `validateRequest`) and turns it into a {@link DeliveryReceipt} for
 * `notifier.deliveries.recordReceipt()`. Throws `NOTIFY_INVALID_SIGNATURE` when the signature does
 * not match, `NOTIFY_INVALID_MESSAGE` when `MessageSid`/`MessageStatus` are missing.
 *
 * @example
 * ```ts
 * app.post('/hooks/twilio', express.urlencoded({ extended: false }), async (req, res) => {
 *   const receipt = parseTwilioStatusCallback({ url: 'https://api.acme.test/hooks/twilio', params: req.body, signature: req.get('x-twilio-signature'), authToken })
 *   await notifier.deliveries.recordReceipt(receipt)
 *   res.sendStatus(204)
 * })
 * ```
 */
export function parseTwilioStatusCallback(input: TwilioStatusCallbackInput): DeliveryReceipt {
  if (
    !input.signature ||
    !twilio.validateRequest(input.authToken, input.signature, input.url, input.params)
  ) {
    throw new NotifyError('NOTIFY_INVALID_SIGNATURE', '[twilio] status callback signature does not match')
  }
  const sid = input.params.MessageSid ?? input.params.SmsSid
  const status = input.params.MessageStatus ?? input.params.SmsStatus
  if (!sid || !status) {
    throw new NotifyError(
      'NOTIFY_INVALID_MESSAGE',
      '[twilio] status callback without MessageSid/MessageStatus',
    )
  }
  const price =
    input.params.Price === undefined || input.params.Price === ''
      ? undefined
      : Math.abs(Number(input.params.Price))
  return {
    provider: input.provider ?? 'twilio',
    providerMessageId: sid,
    status,
    ...(input.params.ErrorCode ? { errorCode: input.params.ErrorCode } : {}),
    ...(price !== undefined && Number.isFinite(price)
      ? { cost: { amount: price, currency: (input.params.PriceUnit ?? 'USD').toUpperCase() } }
      : {}),
  }
}
