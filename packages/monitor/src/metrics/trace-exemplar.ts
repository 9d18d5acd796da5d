import { isSpanContextValid, TraceFlags, trace } from '@opentelemetry/api'
import type { Histogram } from 'prom-client'

/** Exemplar labels naming a trace (OpenMetrics; Grafana links them to the trace). */
export type TraceExemplar = Record<'trace_id' | 'span_id', string>

/** The active span's ids when it is sampled (an unsampled trace is not kept, so not linked). */
export function sampledSpanExemplar(): TraceExemplar | undefined {
  const span = trace.getActiveSpan()
  if (!span) return undefined
  const context = span.spanContext()
  if (!isSpanContextValid(context) || (context.traceFlags & TraceFlags.SAMPLED) === 0) return undefined
  return { trace_id: context.traceId, span_id: context.spanId }
}

/**
 * Whether `histogram` keeps exemplars. prom-client decides at construction, and then takes
 * `observe({ labels, value, exemplarLabels })` only: the plain `observe(labels, value)` form
 * breaks on such a histogram.
 */
export function keepsExemplars(histogram: Histogram<string>): boolean {
  return (histogram as { enableExemplars?: boolean }).enableExemplars === true
}

/**
 * Observes `value` on a histogram that keeps exemplars (see {@link keepsExemplars}), linking its
 * bucket to `exemplar` when there is one.
 */
export function observeWithTrace<L extends string>(
  histogram: Histogram<L>,
  labels: Partial<Record<L, string>>,
  value: number,
  exemplar: TraceExemplar | undefined,
): void {
  // prom-client types exemplar labels as the metric's own label names; they are free-form.
  histogram.observe({ labels, value, exemplarLabels: (exemplar ?? {}) as Partial<Record<L, string>> })
}
