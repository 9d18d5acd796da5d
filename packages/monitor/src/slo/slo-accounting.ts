import type { Logger } from '@opskit/core'
import { bucketStart } from '../history/buckets.js'
import { matches } from '../labels/label-matchers.js'
import { labelsKey } from '../labels/labels.js'
import type { SelectorExpr } from '../rules/promql/ast.js'
import type { Sample } from '../rules/sample-source.js'
import { MINUTE_MS, type MonitorHistoryStore, type SloCountBucket } from '../store/history-store.js'

/** The counters of one SLO, as parsed selectors. */
export interface SloCounterSpec {
  name: string
  good: SelectorExpr
  total: SelectorExpr
}

/** What the accounting reads and writes. */
export interface SloAccountingContext {
  store: MonitorHistoryStore
  /** This instance's id: its minute rows are its own, and instances' rows add up. */
  instance: string
  now: () => number
  logger: Logger
  /** This instance's current samples (its registry and pushed samples). */
  collect: () => Promise<readonly Sample[]>
}

/** Per-minute SLO event counters of this instance, written to the store. */
export interface SloAccounting {
  /** Counts the events of an SLO from now on (and what its counters hold already). */
  track(spec: SloCounterSpec): void
  /** Whether any SLO is tracked. */
  readonly active: boolean
  /** Reads this instance's counters now and writes its minute counts (serialised, retried on failure). */
  sync(): Promise<void>
  /** The stored counts of every instance for an SLO, buckets starting in `[from, to)`. */
  counts(name: string, from: number, to: number): Promise<SloCountBucket[]>
}

interface MinuteCount {
  slo: string
  minute: number
  good: number
  total: number
  dirty: boolean
}

const sameSelector = (selector: SelectorExpr, s: Sample) =>
  s.name === selector.name && selector.matchers.every((m) => m.name === '__name__' || matches(m, s.labels))

/**
 * Builds {@link SloAccounting}. A counter's increase since the previous read is added to the
 * minute of the read (a counter seen for the first time counts from zero, a counter that went
 * down was reset and counts from zero again). Nothing runs per request: counters are read at
 * `sync()`, which the monitor calls once per flush interval and before each report.
 */
export function createSloAccounting(ctx: SloAccountingContext): SloAccounting {
  const specs = new Map<string, SloCounterSpec>()
  /** Last value read per SLO, side and series. */
  const lastValues = new Map<string, number>()
  const minutes = new Map<string, MinuteCount>()
  let chain: Promise<void> = Promise.resolve()

  const increase = (key: string, value: number) => {
    const previous = lastValues.get(key)
    lastValues.set(key, value)
    if (previous === undefined || value < previous) return value
    return value - previous
  }

  const sideIncrease = (spec: SloCounterSpec, side: 'good' | 'total', samples: readonly Sample[]) => {
    let sum = 0
    for (const s of samples)
      if (sameSelector(spec[side], s))
        sum += increase(`${spec.name}\u0000${side}\u0000${labelsKey(s.labels)}`, s.value)
    return sum
  }

  const observe = (at: number, samples: readonly Sample[]) => {
    const minute = bucketStart(at, MINUTE_MS)
    for (const spec of specs.values()) {
      const good = sideIncrease(spec, 'good', samples)
      const total = sideIncrease(spec, 'total', samples)
      const key = `${spec.name}\u0000${minute}`
      const count = minutes.get(key) ?? { slo: spec.name, minute, good: 0, total: 0, dirty: true }
      count.good += good
      count.total += total
      count.dirty = true
      minutes.set(key, count)
    }
  }

  const write = async (now: number) => {
    const dirty = [...minutes.values()].filter((m) => m.dirty)
    for (const m of dirty) m.dirty = false
    try {
      await ctx.store.writeSloCounts(
        dirty.map((m) => ({
          slo: m.slo,
          instance: ctx.instance,
          minute: m.minute,
          good: m.good,
          total: m.total,
        })),
      )
    } catch (error) {
      for (const m of dirty) m.dirty = true
      throw error
    }
    const current = bucketStart(now, MINUTE_MS)
    for (const [key, m] of minutes) if (!m.dirty && m.minute < current) minutes.delete(key)
  }

  return {
    track(spec) {
      specs.set(spec.name, spec)
    },
    get active() {
      return specs.size > 0
    },
    sync() {
      const run = chain.then(async () => {
        if (specs.size === 0) return
        const samples = await ctx.collect()
        const now = ctx.now()
        observe(now, samples)
        await write(now)
      })
      chain = run.catch((error: unknown) =>
        ctx.logger.warn({ err: error }, 'SLO counts: writing failed; retrying'),
      )
      return run
    },
    counts: (name, from, to) => ctx.store.readSloCounts(name, from, to),
  }
}
