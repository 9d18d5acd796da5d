import { Counter, Gauge, Histogram, Registry, type RegistryContentType } from 'prom-client'

/** A prom-client registry, in the Prometheus text format or in OpenMetrics. */
export type MetricsRegistry = Registry<RegistryContentType>

/** True for a registry set to `Registry.OPENMETRICS_CONTENT_TYPE`. */
export function isOpenMetrics(registry: MetricsRegistry): boolean {
  return registry.contentType === Registry.OPENMETRICS_CONTENT_TYPE
}

/**
 * Registers metrics idempotently on one registry: asking twice for the same name returns the
 * metric already registered (prom-client throws on a second registration, which breaks hot
 * reloads and dependency-injection containers).
 */
export function counterOn<L extends string>(
  registry: MetricsRegistry,
  name: string,
  help: string,
  labelNames: readonly L[],
  collect?: (this: Counter<L>) => void,
): Counter<L> {
  const existing = registry.getSingleMetric(name)
  if (existing) return existing as Counter<L>
  return new Counter({ name, help, labelNames, registers: [registry], ...(collect ? { collect } : {}) })
}

/** Like {@link counterOn}, for gauges. */
export function gaugeOn<L extends string>(
  registry: MetricsRegistry,
  name: string,
  help: string,
  labelNames: readonly L[],
  collect?: (this: Gauge<L>) => void,
): Gauge<L> {
  const existing = registry.getSingleMetric(name)
  if (existing) return existing as Gauge<L>
  return new Gauge({ name, help, labelNames, registers: [registry], ...(collect ? { collect } : {}) })
}

/** Like {@link counterOn}, for histograms; `enableExemplars` applies only to a new histogram. */
export function histogramOn<L extends string>(
  registry: MetricsRegistry,
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: number[],
  { enableExemplars = false }: { enableExemplars?: boolean } = {},
): Histogram<L> {
  const existing = registry.getSingleMetric(name)
  if (existing) return existing as Histogram<L>
  return new Histogram({ name, help, labelNames, buckets, registers: [registry], enableExemplars })
}
