import type { Labels } from '../labels/labels.js'
import { labelsKey } from '../labels/labels.js'
import { isOpenMetrics, type MetricsRegistry } from '../metrics/register.js'

/** One metric sample at evaluation time. Histograms appear as `<name>_bucket` (with `le`), `_sum`, `_count`. */
export interface Sample {
  name: string
  labels: Labels
  value: number
}

/** Where rules read samples from: a prom-client registry, a pushed source, or the host's own. */
export interface SampleSource {
  collect(): Promise<Sample[]> | Sample[]
}

/**
 * Reads the current samples of a prom-client registry (no text parsing), named as Prometheus
 * ingests the registry's scrape. In an OpenMetrics registry a counter's sample is always
 * `<family>_total`: prom-client renames a counter `x_total` to its family `x` on the first
 * OpenMetrics scrape, and the scrape itself shows `x_total`.
 */
export function registrySampleSource(registry: MetricsRegistry): SampleSource {
  return {
    async collect() {
      const metrics = await registry.getMetricsAsJSON()
      const openMetrics = isOpenMetrics(registry)
      const out: Sample[] = []
      for (const metric of metrics) {
        const counterName =
          openMetrics && (metric.type as unknown) === 'counter'
            ? `${metric.name.replace(/_total$/, '')}_total`
            : undefined
        for (const value of metric.values) {
          const labels: Labels = {}
          for (const [k, v] of Object.entries(value.labels)) if (v !== undefined) labels[k] = String(v)
          const name = counterName ?? (value as { metricName?: string }).metricName ?? metric.name
          if (labels.le !== undefined && labels.le === 'Infinity') labels.le = '+Inf'
          out.push({ name, labels, value: value.value })
        }
      }
      return out
    },
  }
}

/** A sample source the host pushes values into (gauges or counters it computes itself). */
export interface PushSampleSource extends SampleSource {
  /** Sets the current value of a series. */
  set(name: string, labels: Labels, value: number): void
  /** Adds to the current value of a series (a counter). */
  add(name: string, labels: Labels, delta: number): void
  /** Removes a series: it is absent from the next evaluation. */
  remove(name: string, labels: Labels): void
  /** Removes every series. */
  clear(): void
  /** The current samples (synchronously). */
  collect(): Sample[]
}

/** Builds a {@link PushSampleSource}. */
export function createPushSampleSource(): PushSampleSource {
  const series = new Map<string, Sample>()
  const key = (name: string, labels: Labels) => `${name}\u0000${labelsKey(labels)}`
  return {
    set(name, labels, value) {
      series.set(key(name, labels), { name, labels: { ...labels }, value })
    },
    add(name, labels, delta) {
      const k = key(name, labels)
      const existing = series.get(k)
      series.set(k, { name, labels: { ...labels }, value: (existing?.value ?? 0) + delta })
    },
    remove(name, labels) {
      series.delete(key(name, labels))
    },
    clear() {
      series.clear()
    },
    collect() {
      return [...series.values()]
    },
  }
}
