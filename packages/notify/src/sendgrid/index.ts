/**
 * `@opskit/notify/sendgrid`: email through SendGrid's v3 HTTP API (no SDK needed).
 * @packageDocumentation
 */
export { type SendgridProviderOptions, sendgridProvider } from './sendgrid-provider.js'
