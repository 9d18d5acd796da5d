import { MonitorError } from '../errors/monitor-error.js'
import type { CardinalityGuard } from './cardinality-guard.js'
import { counterOn, gaugeOn, histogramOn, isOpenMetrics, type MetricsRegistry } from './register.js'
import { keepsExemplars, observeWithTrace, sampledSpanExemplar } from './trace-exemplar.js'

/** Definition of a business metric; `labelNames` fixes the label keys (use `as const`). */
export interface MetricDefinition<L extends string> {
  name: string
  help: string
  labelNames?: readonly L[]
}

/** A cardinality-guarded counter. */
export interface BusinessCounter<L extends string> {
  inc(labels?: Partial<Record<L, string>>, value?: number): void
}

/** A cardinality-guarded gauge. */
export interface BusinessGauge<L extends string> {
  set(labels: Partial<Record<L, string>>, value: number): void
  inc(labels?: Partial<Record<L, string>>, value?: number): void
  dec(labels?: Partial<Record<L, string>>, value?: number): void
}

/**
 * A cardinality-guarded histogram. On an OpenMetrics registry, an observation made while a
 * sampled OpenTelemetry span is active links its bucket to that trace (an exemplar).
 */
export interface BusinessHistogram<L extends string> {
  observe(labels: Partial<Record<L, string>>, value: number): void
}

/** Helpers for business metrics: `monitor.metrics`. Registration is idempotent per name. */
export interface BusinessMetrics {
  counter<L extends string = never>(definition: MetricDefinition<L>): BusinessCounter<L>
  gauge<L extends string = never>(definition: MetricDefinition<L>): BusinessGauge<L>
  histogram<L extends string = never>(
    definition: MetricDefinition<L> & { buckets?: number[] },
  ): BusinessHistogram<L>
}

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/

function validate(definition: MetricDefinition<string>): string[] {
  if (!NAME.test(definition.name))
    throw new MonitorError(
      'MONITOR_INVALID_OPTIONS',
      `metric name "${definition.name}" is not a valid Prometheus name`,
    )
  const labels = [...(definition.labelNames ?? [])]
  for (const label of labels) {
    if (!LABEL.test(label) || label.startsWith('__'))
      throw new MonitorError(
        'MONITOR_INVALID_OPTIONS',
        `label name "${label}" of ${definition.name} is not valid`,
      )
  }
  return labels
}

/** Builds {@link BusinessMetrics} on `registry`, every label set going through `guard`. */
export function createBusinessMetrics(registry: MetricsRegistry, guard: CardinalityGuard): BusinessMetrics {
  const guarded = (name: string, labelNames: string[], labels: Record<string, string | undefined> = {}) => {
    const full: Record<string, string> = {}
    for (const label of labelNames) full[label] = labels[label] ?? ''
    return guard.admit(name, labelNames.map((l) => full[l]).join('\u0000'), full)
  }
  return {
    counter(definition) {
      const labelNames = validate(definition)
      const counter = counterOn(registry, definition.name, definition.help, labelNames)
      return { inc: (labels, value = 1) => counter.inc(guarded(definition.name, labelNames, labels), value) }
    },
    gauge(definition) {
      const labelNames = validate(definition)
      const gauge = gaugeOn(registry, definition.name, definition.help, labelNames)
      return {
        set: (labels, value) => gauge.set(guarded(definition.name, labelNames, labels), value),
        inc: (labels, value = 1) => gauge.inc(guarded(definition.name, labelNames, labels), value),
        dec: (labels, value = 1) => gauge.dec(guarded(definition.name, labelNames, labels), value),
      }
    },
    histogram(definition) {
      const labelNames = validate(definition)
      const histogram = histogramOn(
        registry,
        definition.name,
        definition.help,
        labelNames,
        definition.buckets ?? [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
        { enableExemplars: isOpenMetrics(registry) },
      )
      if (!keepsExemplars(histogram))
        return {
          observe: (labels, value) => histogram.observe(guarded(definition.name, labelNames, labels), value),
        }
      return {
        observe: (labels, value) =>
          observeWithTrace(
            histogram,
            guarded(definition.name, labelNames, labels),
            value,
            sampledSpanExemplar(),
          ),
      }
    },
  }
}
