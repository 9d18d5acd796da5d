/**
 * `@opskit/notify/apns`: Apple push over HTTP/2 with an ES256 provider token (no extra dependency).
 * @packageDocumentation
 */
export { type ApnsProviderOptions, createApnsProvider } from './apns-provider.js'
