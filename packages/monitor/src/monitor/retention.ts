import type { Clock, Logger, RetentionPolicy, RetentionReport } from '@opskit/core'
import {
  deleteInBatches,
  emptyRetentionReport,
  resolveRetentionPolicy,
  type TenantScope,
} from '@opskit/core/internal'
import { MonitorError } from '../errors/monitor-error.js'
import type { MonitorStore } from '../store/monitor-store.js'

/**
 * What `monitor.applyRetention` can remove:
 * - `incidents`: resolved incidents (by resolution time; `keepLast` per tenant). Open incidents
 *   are never removed.
 * - `notificationLog`: notification-log entries (the dedup state of each group, receiver and
 *   channel) last written before the cutoff, except those of a group whose incident is open.
 */
export type MonitorRetentionKind = 'incidents' | 'notificationLog'

const KINDS: readonly MonitorRetentionKind[] = ['incidents', 'notificationLog']

/** Options of `monitor.applyRetention`. */
export interface MonitorRetentionOptions {
  /** Only this tenant's incidents (the notification log is then left alone); every tenant's without. */
  tenantId?: string | undefined
  /** Stops between batches. */
  signal?: AbortSignal | undefined
}

/** What {@link applyMonitorRetention} works on. */
export interface MonitorRetentionContext {
  /** Without a store, nothing is persisted and nothing is removed (the cache has its own cap). */
  store: MonitorStore | undefined
  clock: Clock
  logger: Logger
  tenantOf: TenantScope
  /** Waits for queued writes, so a purge sees every incident written so far. */
  flush(): Promise<void>
}

/** Applies a retention policy to the monitor's store in short batches (`deleteInBatches`). */
export async function applyMonitorRetention(
  ctx: MonitorRetentionContext,
  policy: RetentionPolicy<MonitorRetentionKind>,
  options: MonitorRetentionOptions = {},
): Promise<RetentionReport<MonitorRetentionKind>> {
  const invalid = (message: string) => new MonitorError('MONITOR_INVALID_OPTIONS', message)
  const startedAt = new Date(ctx.clock.now())
  const rules = resolveRetentionPolicy(
    policy,
    { all: KINDS, keepLast: ['incidents'] },
    startedAt.getTime(),
    invalid,
  )
  const tenantId = options.tenantId === undefined ? undefined : ctx.tenantOf(options.tenantId)
  const report = emptyRetentionReport(KINDS, startedAt)
  const { store } = ctx
  const started = performance.now()
  if (store) {
    await ctx.flush()
    const batches = options.signal ? { signal: options.signal } : {}
    const incidents = rules.get('incidents')
    if (incidents)
      report.removed.incidents = await deleteInBatches(
        (limit) =>
          store.purgeIncidents({ tenantId, cutoff: incidents.cutoff, keepLast: incidents.keepLast, limit }),
        batches,
      )
    const log = rules.get('notificationLog')
    if (log?.cutoff !== undefined && tenantId === undefined)
      report.removed.notificationLog = await deleteInBatches(
        (limit) => store.purgeNotificationLog(log.cutoff as number, limit),
        batches,
      )
  }
  report.durationMs = performance.now() - started
  ctx.logger.info(
    { event: 'monitor.retention', removed: report.removed, tenantId },
    'monitor retention applied',
  )
  return report
}
