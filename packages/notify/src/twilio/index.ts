/**
 * `@opskit/notify/twilio`: SMS through the official `twilio` library (optional peer `twilio`).
 * @packageDocumentation
 */
export { type TwilioProviderOptions, twilioProvider } from './twilio-provider.js'
