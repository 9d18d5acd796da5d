import { parseInput } from '@opskit/core'
import { z } from 'zod'
import { MonitorError } from '../errors/monitor-error.js'
import { type Duration, parseDuration } from '../rules/duration.js'
import type { SelectorExpr } from '../rules/promql/ast.js'
import { parseExpr } from '../rules/promql/parser.js'
import type { RuleEngine } from '../rules/rule-engine-types.js'
import { durationString } from '../validation/duration-schema.js'
import type { SloAccounting } from './slo-accounting.js'

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
   * Events counted in the window by every instance (the persisted per-minute counters, rolled up
   * into hours after `history.sloMinutesMs`): exact counter increases, not extrapolated.
   */
  totalEvents: number
  /** good / total over the window (1 when there were no events). */
  availability: number
  /** `availability` × 100. */
  uptimePercent: number
  /** 1 − (1 − availability) / (1 − objective); negative when the budget is overspent. */
  errorBudgetRemaining: number
  /**
   * Burn rate per window (`5m`, `30m`, `1h`, `6h`, `3d`) from the counters of every instance: the
   * minutes (or hours, past `history.sloMinutesMs`) starting within the window; a window without
   * events has none.
   */
  burnRates: Record<string, number>
  /** p95 from the latency histogram over this instance's in-memory history, in its unit (seconds). */
  p95Latency?: number
}

/** SLOs: `monitor.slo`. */
export interface Slos {
  /** Defines an SLO and adds its page and ticket burn-rate alert rules. */
  define(definition: SloDefinition): void
  /**
   * The SLA report of an SLO at the clock's now: this instance writes its counts first, then the
   * report reads the counts of every instance from the store, so every instance (and a restarted
   * one) answers the same.
   */
  report(name: string): Promise<SlaReport>
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

function selectorOf(selector: string, field: string): SelectorExpr {
  const expr = parseExpr(selector)
  if (expr.type !== 'selector' || expr.rangeMs !== undefined || expr.offsetMs)
    throw new MonitorError(
      'MONITOR_INVALID_OPTIONS',
      `slo.${field}: expected a selector such as name{label="v"}`,
    )
  return expr
}

/** What SLOs are built on: the rule engine (alerts, p95) and the persisted counters. */
export interface SloContext {
  engine: RuleEngine
  accounting: SloAccounting
  now: () => number
  /** Called when an SLO is defined (the monitor starts its flush loop). */
  onDefine: () => void
}

const BURN_WINDOWS = ['5m', '30m', '1h', '6h', '3d'] as const

/** Builds {@link Slos} on a rule engine and the per-minute counters. */
export function createSlos(ctx: SloContext): Slos {
  const { engine } = ctx
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
      const good = selectorOf(d.good, 'good')
      const total = selectorOf(d.total, 'total')
      const latency = d.latency ? selectorOf(d.latency, 'latency') : undefined
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
      if (latency) engine.retain(latency.name, windowMs)
      slos.set(d.name, { ...d, windowMs })
      ctx.accounting.track({ name: d.name, good, total })
      ctx.onDefine()
    },
    async report(name) {
      const d = slos.get(name)
      if (!d) throw new MonitorError('MONITOR_NOT_FOUND', `no SLO named ${name}`)
      await ctx.accounting.sync()
      const now = ctx.now()
      const buckets = await ctx.accounting.counts(name, now - d.windowMs, now + 1)
      const sums = (fromMs: number) => {
        let good = 0
        let total = 0
        for (const b of buckets)
          if (b.start >= fromMs) {
            good += b.good
            total += b.total
          }
        return { good, total }
      }
      const budget = 1 - d.objective
      const all = sums(now - d.windowMs)
      const availability = all.total > 0 ? all.good / all.total : 1
      const burnRates: Record<string, number> = {}
      for (const window of BURN_WINDOWS) {
        const w = sums(now - parseDuration(window, 'window'))
        if (w.total > 0) burnRates[window] = (1 - w.good / w.total) / budget
      }
      const p95 = d.latency
        ? scalarOf(
            `histogram_quantile(0.95, sum by (le) (increase(${d.latency}[${Math.round(d.windowMs / 1000)}s])))`,
          )
        : undefined
      return {
        name,
        objective: d.objective,
        windowMs: d.windowMs,
        totalEvents: all.total,
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
