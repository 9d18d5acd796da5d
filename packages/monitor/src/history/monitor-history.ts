import type { Clock, Logger } from '@opskit/core'
import type { Sample } from '../rules/sample-source.js'
import { createSloAccounting, type SloAccounting } from '../slo/slo-accounting.js'
import { HOUR_MS, type MonitorHistoryStore } from '../store/history-store.js'
import { bucketStart } from './buckets.js'
import { createHistoryArchive, type HistoryArchive } from './history-archive.js'
import type { ResolvedHistoryOptions } from './history-options.js'

/** What the monitor's history is built on. */
export interface MonitorHistoryContext {
  /** The monitor's store, or an in-process one when it has none (`persisted: false`). */
  store: MonitorHistoryStore
  persisted: boolean
  options: ResolvedHistoryOptions
  clock: Clock
  logger: Logger
  /** This process's id among the instances sharing the store. */
  instance: string
  /** This instance's current samples. */
  collect: () => Promise<readonly Sample[]>
}

/** The monitor's persisted history: SLO counters, recording rules' archive and their upkeep loop. */
export interface MonitorHistory {
  readonly slo: SloAccounting
  /** Recording rules' archive; only with a store (and `recordingRules` not turned off). */
  readonly archive: HistoryArchive | undefined
  /** Starts the flush loop (once); the monitor calls it when an SLO or a recording rule exists. */
  start(): void
  /** Writes SLO counts and recorded samples now, and runs the upkeep when it is due. */
  flush(): Promise<void>
  /** Stops the loop after a last flush. */
  close(): Promise<void>
}

/** Pruning and roll-ups run at most this often. */
const UPKEEP_EVERY_MS = 10 * 60_000

/** Builds the {@link MonitorHistory}. */
export function createMonitorHistory(ctx: MonitorHistoryContext): MonitorHistory {
  const { store, options, clock, logger } = ctx
  const now = () => clock.now()
  const slo = createSloAccounting({ store, instance: ctx.instance, now, logger, collect: ctx.collect })
  const archive =
    ctx.persisted && options.recordingRules
      ? createHistoryArchive({ store, options, now, logger })
      : undefined
  let timer: ReturnType<Clock['setTimeout']> | undefined
  let running: Promise<void> | undefined
  let upkeepAt = Number.NEGATIVE_INFINITY
  let closed = false

  const upkeep = async () => {
    const t = now()
    if (t - upkeepAt < UPKEEP_EVERY_MS) return
    upkeepAt = t
    await store.rollUpSloCounts(bucketStart(t - options.sloMinutesMs, HOUR_MS))
    await store.pruneHistory({
      rawBefore: t - options.rawMs,
      minuteBefore: t - options.minutesMs,
      hourBefore: t - options.hoursMs,
      sloHourBefore: t - options.sloHoursMs,
    })
  }

  const flush = async () => {
    if (slo.active) await slo.sync()
    if (archive?.pending) await archive.flush()
    await upkeep()
  }

  const schedule = () => {
    timer = clock.setTimeout(() => {
      if (closed) return
      schedule()
      if (running) return
      running = flush()
        .catch((error: unknown) => logger.warn({ err: error }, 'monitor history: flush failed'))
        .finally(() => {
          running = undefined
        })
    }, options.flushIntervalMs)
  }

  return {
    slo,
    archive,
    start() {
      if (timer === undefined && !closed) schedule()
    },
    flush,
    async close() {
      if (closed) return
      closed = true
      if (timer !== undefined) clock.clearTimeout(timer)
      await running
      await flush().catch((error: unknown) =>
        logger.warn({ err: error }, 'monitor history: last flush failed'),
      )
    },
  }
}
