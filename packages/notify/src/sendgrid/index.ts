/**
 * `@opskit/notify/sendgrid`: email through SendGrid's v3 HTTP API (no SDK needed), and its signed
 * Event Webhook turned into delivery receipts.
 * @packageDocumentation
 */
export {
  parseSendGridEvents,
  type SendGridEventsInput,
  type SendGridSignatureInput,
  sendGridMessageId,
  verifySendGridSignature,
} from './event-webhook.js'
export { createSendGridProvider, type SendGridProviderOptions } from './sendgrid-provider.js'
