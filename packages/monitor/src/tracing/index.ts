/**
 * `@opskit/monitor/tracing`: an explicit OpenTelemetry SDK bootstrap (optional peers
 * `@opentelemetry/sdk-node` and `@opentelemetry/exporter-trace-otlp-http`).
 * @packageDocumentation
 */
export { startTracing, type TracingHandle, type TracingOptions } from './start-tracing.js'
