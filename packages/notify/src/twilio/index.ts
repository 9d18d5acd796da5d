/**
 * `@opskit/notify/twilio`: SMS through the official `twilio` library (optional peer `twilio`),
 * and its signed status callbacks.
 * @packageDocumentation
 */
export { parseTwilioStatusCallback, type TwilioStatusCallbackInput } from './status-callback.js'
export { createTwilioProvider, type TwilioProviderOptions } from './twilio-provider.js'
