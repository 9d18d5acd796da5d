/**
 * `@opskit/audit/prometheus`: prom-client metrics for the audit log.
 * @packageDocumentation
 */
import { Counter, Histogram, type Registry } from 'prom-client'
import type { AuditMetrics } from '../log/audit-log-options.js'

/** Options of {@link createPrometheusAuditMetrics}. */
export interface PrometheusAuditMetricsOptions {
  /** The host's registry. */
  registry: Registry
  /** Metric name prefix. @default 'opskit_audit_' */
  prefix?: string
}

/**
 * Registers the audit log's metrics on the host's prom-client registry and returns the
 * callbacks to pass as `createAuditLog({ metrics })`:
 * `<prefix>events_total{result}`, `<prefix>batch_size`, `<prefix>commit_seconds`,
 * `<prefix>verify_checked_total`, `<prefix>verify_failures_total`.
 *
 * @example
 * ```ts
 * const audit = await createAuditLog({ db, metrics: createPrometheusAuditMetrics({ registry }) })
 * ```
 */
export function createPrometheusAuditMetrics(options: PrometheusAuditMetricsOptions): AuditMetrics {
  const prefix = options.prefix ?? 'opskit_audit_'
  const registers = [options.registry]
  const events = new Counter({
    name: `${prefix}events_total`,
    help: 'Audit events by result of their group commit',
    labelNames: ['result'] as const,
    registers,
  })
  const batchSize = new Histogram({
    name: `${prefix}batch_size`,
    help: 'Events per group commit',
    buckets: [1, 5, 25, 100, 250, 500, 1000],
    registers,
  })
  const commitSeconds = new Histogram({
    name: `${prefix}commit_seconds`,
    help: 'Duration of a group-commit transaction',
    buckets: [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
    registers,
  })
  const verifyChecked = new Counter({
    name: `${prefix}verify_checked_total`,
    help: 'Events checked by verify',
    registers,
  })
  const verifyFailures = new Counter({
    name: `${prefix}verify_failures_total`,
    help: 'Problems found by verify',
    registers,
  })
  return {
    batchCommitted(count, durationMs) {
      events.inc({ result: 'committed' }, count)
      batchSize.observe(count)
      commitSeconds.observe(durationMs / 1000)
    },
    batchFailed(count) {
      events.inc({ result: 'failed' }, count)
    },
    verified(checked, failures) {
      verifyChecked.inc(checked)
      verifyFailures.inc(failures)
    },
  }
}
