/**
 * `@opskit/notify/sendgrid`: email through SendGrid's v3 HTTP API (no SDK needed), and its signed
 * Event Webhook turned into delivery receipts.
 * @packageDocumentation
 */
export {
  parseSendgridEvents,
  type SendgridEventsInput,
  type SendgridSignatureInput,
  sendgridMessageId,
  verifySendgridSignature,
} from './event-webhook.js'
export { type SendgridProviderOptions, sendgridProvider } from './sendgrid-provider.js'
