import { Gauge } from 'prom-client'
import { MonitorError } from '../errors/monitor-error.js'
import type { MetricsRegistry } from '../metrics/register.js'

/**
 * Registers a gauge the caller owns (its `collect` reads the caller's sources); a name already on
 * the registry is a configuration error, since its collector would not read these sources.
 */
export function ownGauge<L extends string>(
  registry: MetricsRegistry,
  name: string,
  help: string,
  labelNames: readonly L[],
  collect: (this: Gauge<L>) => void | Promise<void>,
): Gauge<L> {
  if (registry.getSingleMetric(name))
    throw new MonitorError(
      'MONITOR_INVALID_OPTIONS',
      `the metric ${name} is already registered on this registry (is the collector registered twice?)`,
    )
  return new Gauge({ name, help, labelNames, registers: [registry], collect })
}
