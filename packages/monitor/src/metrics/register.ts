import { Counter, Gauge, Histogram, type Registry } from 'prom-client'

/**
 * Registers metrics idempotently on one registry: asking twice for the same name returns the
 * metric already registered (prom-client throws on a second registration, which breaks hot
 * reloads and dependency-injection containers).
 */
export function counterOn<L extends string>(
  registry: Registry,
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
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  collect?: (this: Gauge<L>) => void,
): Gauge<L> {
  const existing = registry.getSingleMetric(name)
  if (existing) return existing as Gauge<L>
  return new Gauge({ name, help, labelNames, registers: [registry], ...(collect ? { collect } : {}) })
}

/** Like {@link counterOn}, for histograms. */
export function histogramOn<L extends string>(
  registry: Registry,
  name: string,
  help: string,
  labelNames: readonly L[],
  buckets: number[],
): Histogram<L> {
  const existing = registry.getSingleMetric(name)
  if (existing) return existing as Histogram<L>
  return new Histogram({ name, help, labelNames, buckets, registers: [registry] })
}
