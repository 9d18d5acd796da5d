import { parseInput } from '@opskit/core'
import { z } from 'zod'
import { MonitorError } from '../errors/monitor-error.js'
import { type Duration, parseDuration } from '../rules/duration.js'
import { parseExpr } from '../rules/promql/parser.js'
import type { RuleEngine } from '../rules/rule-engine-types.js'
import { durationString } from '../validation/duration-schema.js'

/** A multi-window burn-rate preset (Google SRE Workbook, "Alerting on SLOs"). */
export interface BurnRatePreset {
  severity: 'page' | 'ticket'
  /** Share of the error budget spent when the alert fires. */
  budgetSpent: number
  longWindow: string
  shortWindow: string
}

/**
 * The presets: 2% of the budget in 1h (short 5m) and 5% in 6h (short 30m) page; 10% in 3d
 * (short 6h) opens a ticket. For a 30-day window the burn-rate thresholds are 14.4×, 6× and 1×.
 */
export const BURN_RATE_PRESETS: readonly BurnRatePreset[] = [
  { severity: 'page', budgetSpent: 0.02, longWindow: '1h', shortWindow: '5m' },
  { severity: 'page', budgetSpent: 0.05, longWindow: '6h', shortWindow: '30m' },
  { severity: 'ticket', budgetSpent: 0.1, longWindow: '3d', shortWindow: '6h' },
]

/** The burn-rate threshold of a preset for an SLO window: `budgetSpent × window / longWindow`. */
export function burnRateThreshold(preset: BurnRatePreset, windowMs: number): number {
  return (preset.budgetSpent * windowMs) / parseDuration(preset.longWindow, 'longWindow')
}

/** An SLO over two counters. */
export interface SloDefinition {
  /** Metric-style name; the alerts are `<name>_slo_page` and `<name>_slo_ticket`. */
  name: string
  /** Target ratio of good events, e.g. `0.999`. */
  objective: number
  /** The SLO period. @default '30d' */
  window?: Duration | undefined
  /** Selector of the counter(s) of good events, e.g. `http_server_requests_total{status_class!="5xx"}`. */
  good: string
  /** Selector of the counter(s) of all events. */
  total: string
  /** Selector of a histogram's `_bucket` series, for the p95 of SLA reports. */
  latency?: string | undefined
  /** Don't alert unless the long window saw at least this many events (low-traffic services). @default 0 */
  minEvents?: number | undefined
  /** Extra labels on the alerts. */
  labels?: Record<string, string> | undefined
}

/** An SLA report: what the retained history says about an SLO. */
export interface SlaReport {
  name: string
  objective: number
  windowMs: number
  /**
   * Events in the retained history (up to `windowMs`): `increase(total[window])`, extrapolated as
   * Prometheus does, so a history shorter than the window adds half a sample interval's events.
   */
  totalEvents: number
  /** good / total over the retained history (1 when there were no events). */
  availability: number
  /** `availability` × 100. */
  uptimePercent: number
  /** 1 − (1 − availability) / (1 − objective); negative when the budget is overspent. */
  errorBudgetRemaining: number
  /** Burn rate per window (`5m`, `30m`, `1h`, `6h`, `3d`). */
  burnRates: Record<string, number>
  /** p95 from the latency histogram over the retained history, in its unit (seconds). */
  p95Latency?: number
}

/** SLOs: `monitor.slo`. */
export interface Slos {
  /** Defines an SLO and adds its page and ticket burn-rate alert rules. */
  define(definition: SloDefinition): void
  /** The SLA report of an SLO, from the samples of the last evaluation. */
  report(name: string): SlaReport
  list(): SloDefinition[]
}

const schema = z
  .object({
    name: z.string().regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'must be a metric-style name'),
    objective: z.number().gt(0).lt(1),
    window: z.union([z.number().positive(), durationString]).optional(),
    good: z.string().min(1),
    total: z.string().min(1),
    latency: z.string().min(1).optional(),
    minEvents: z.number().nonnegative().optional(),
    labels: z.record(z.string(), z.string()).optional(),
  })
  .strict()

function selectorName(selector: string, field: string): string {
  const expr = parseExpr(selector)
  if (expr.type !== 'selector')
    throw new MonitorError(
      'MONITOR_INVALID_OPTIONS',
      `slo.${field}: expected a selector such as name{label="v"}`,
    )
  return expr.name
}

/** Builds {@link Slos} on a rule engine. */
export function createSlos(engine: RuleEngine): Slos {
  const slos = new Map<string, SloDefinition & { windowMs: number }>()
  const errorRatio = (d: SloDefinition, window: string) =>
    `(1 - sum(rate(${d.good}[${window}])) / sum(rate(${d.total}[${window}])))`
  const scalarOf = (expr: string): number | undefined => {
    const v = engine.query(expr)
    if (v.kind === 'scalar') return v.value
    return v.elements[0]?.value
  }
  return {
    define(input) {
      const d = parseInput(
        schema,
        input,
        (message) => new MonitorError('MONITOR_INVALID_OPTIONS', `invalid SLO: ${message}`),
      )
      const windowMs = parseDuration(d.window ?? '30d', 'window')
      const metrics = [selectorName(d.good, 'good'), selectorName(d.total, 'total')]
      if (d.latency) metrics.push(selectorName(d.latency, 'latency'))
      const budget = 1 - d.objective
      for (const severity of ['page', 'ticket'] as const) {
        const rows = BURN_RATE_PRESETS.filter((p) => p.severity === severity).map((p) => {
          const threshold = burnRateThreshold(p, windowMs) * budget
          const min = d.minEvents ? ` and sum(increase(${d.total}[${p.longWindow}])) >= ${d.minEvents}` : ''
          return `(${errorRatio(d, p.longWindow)} > ${threshold} and ${errorRatio(d, p.shortWindow)} > ${threshold}${min})`
        })
        engine.addRule({
          name: `${d.name}_slo_${severity}`,
          expr: rows.join(' or '),
          labels: { ...(d.labels ?? {}), severity, slo: d.name },
          annotations: {
            summary: `SLO ${d.name} (${d.objective * 100}%): the error budget is burning too fast (${severity})`,
            error_ratio: '{{value}}',
          },
        })
      }
      for (const metric of metrics) engine.retain(metric, windowMs)
      slos.set(d.name, { ...d, windowMs })
    },
    report(name) {
      const d = slos.get(name)
      if (!d) throw new MonitorError('MONITOR_NOT_FOUND', `no SLO named ${name}`)
      const budget = 1 - d.objective
      const w = `${Math.round(d.windowMs / 1000)}s`
      const total = scalarOf(`sum(increase(${d.total}[${w}]))`) ?? 0
      const good = scalarOf(`sum(increase(${d.good}[${w}]))`) ?? 0
      const availability = total > 0 ? good / total : 1
      const burnRates: Record<string, number> = {}
      for (const window of ['5m', '30m', '1h', '6h', '3d']) {
        const ratio = scalarOf(errorRatio(d, window))
        if (ratio !== undefined && Number.isFinite(ratio)) burnRates[window] = ratio / budget
      }
      const p95 = d.latency
        ? scalarOf(`histogram_quantile(0.95, sum by (le) (increase(${d.latency}[${w}])))`)
        : undefined
      return {
        name,
        objective: d.objective,
        windowMs: d.windowMs,
        totalEvents: total,
        availability,
        uptimePercent: availability * 100,
        errorBudgetRemaining: 1 - (1 - availability) / budget,
        burnRates,
        ...(p95 !== undefined ? { p95Latency: p95 } : {}),
      }
    },
    list: () => [...slos.values()].map(({ windowMs: _w, ...d }) => d),
  }
}
