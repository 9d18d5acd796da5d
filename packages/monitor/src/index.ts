/**
 * `@opskit/monitor`: metrics, tracing, health and alerting.
 * @packageDocumentation
 */
export { MonitorError, type MonitorErrorCode } from './errors/monitor-error.js'
