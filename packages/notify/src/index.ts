/**
 * `@opskit/notify`: multi-channel notifications.
 * @packageDocumentation
 */
export { NotifyError, type NotifyErrorCode } from './errors/notify-error.js'
