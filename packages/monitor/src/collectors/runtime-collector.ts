import { getHeapStatistics } from 'node:v8'
import { collectDefaultMetrics } from 'prom-client'
import { gaugeOn, type MetricsRegistry } from '../metrics/register.js'

/** The metric the heap rule divides by: V8's heap size limit (`--max-old-space-size`). */
export const HEAP_LIMIT_METRIC = 'nodejs_heap_size_limit_bytes'

/**
 * Makes sure the registry has the process and runtime metrics the default rules read: prom-client's
 * default metrics (`process_start_time_seconds`, `process_cpu_seconds_total`,
 * `process_resident_memory_bytes`, `nodejs_heap_size_used_bytes`, `nodejs_eventloop_lag_p99_seconds`,
 * …) registered once — reused when the host or `createMonitor` already did — plus V8's heap size
 * limit. Returns the names this call registered (the pack removes them on close).
 */
export function registerRuntimeCollector(registry: MetricsRegistry): string[] {
  const added: string[] = []
  if (!registry.getSingleMetric('process_cpu_user_seconds_total')) {
    const before = new Set(registry.getMetricsAsArray().map((m) => m.name))
    collectDefaultMetrics({ register: registry })
    for (const metric of registry.getMetricsAsArray()) if (!before.has(metric.name)) added.push(metric.name)
  }
  if (!registry.getSingleMetric(HEAP_LIMIT_METRIC)) {
    gaugeOn(
      registry,
      HEAP_LIMIT_METRIC,
      'Size limit of the V8 heap in bytes (--max-old-space-size).',
      [],
      function collect() {
        this.set(getHeapStatistics().heap_size_limit)
      },
    )
    added.push(HEAP_LIMIT_METRIC)
  }
  return added
}
