import type { Clock, Logger, RetentionPolicy } from '@opskit/core'
import {
  deleteInBatches,
  emptyRetentionReport,
  resolveRetentionPolicy,
  type TenantScope,
} from '@opskit/core/internal'
import type { ReportAuditEvent } from '../downloads/hooks.js'
import type {
  ReportsRetentionKind,
  ReportsRetentionReport,
  RetentionOptions,
  SweepReport,
} from '../reports-types.js'
import type { StorageAdapter } from '../storage/storage-adapter.js'
import type { ReportsRowKind, ReportsStore } from '../store/reports-store.js'
import { invalidOptions } from '../validation/reports-schemas.js'
import { sweepStorage } from './orphan-sweep.js'

/** The kinds `applyRetention` knows, in the order it removes them. */
export const REPORTS_RETENTION_KINDS: readonly ReportsRetentionKind[] = [
  'runs',
  'links',
  'redeems',
  'scheduleSlots',
]
const ROW_KINDS: readonly ReportsRowKind[] = ['links', 'redeems', 'scheduleSlots']

/** What retention needs from the reports service. */
export interface RetentionContext {
  store: ReportsStore
  storage: StorageAdapter
  clock: Clock
  logger: Logger
  tenantOf: TenantScope
  /** Logs an audit event (never throws). */
  audit(event: ReportAuditEvent): Promise<void>
  /** Throws `REPORTS_CLOSED` once the service is closed. */
  assertOpen(): void
}

/** The tenant retention works on: one tenant, or every tenant (undefined) when none is named. */
function scopeOf(context: RetentionContext, options: RetentionOptions): string | undefined {
  return options.tenantId === undefined ? undefined : context.tenantOf(options.tenantId)
}

/**
 * `applyRetention` and `sweepOrphans`. Runs are removed in three steps so that a crash at any
 * point leaves nothing a user could be handed and nothing forever: mark a batch `deleting` (a
 * tombstone, hidden from every read and link), delete their objects, then their rows. The sweep
 * finishes tombstones an interrupted run left and deletes artifact objects no row names.
 */
export function createRetention(context: RetentionContext) {
  async function sweepOrphans(options: RetentionOptions = {}): Promise<SweepReport> {
    context.assertOpen()
    return sweepStorage(context, scopeOf(context, options), options.signal)
  }

  async function applyRetention(
    policy: RetentionPolicy<ReportsRetentionKind>,
    options: RetentionOptions = {},
  ): Promise<ReportsRetentionReport> {
    context.assertOpen()
    const now = context.clock.now()
    const rules = resolveRetentionPolicy(
      policy,
      { all: REPORTS_RETENTION_KINDS, keepLast: ['runs'] },
      now,
      (message) => invalidOptions(message, []),
    )
    const tenantId = scopeOf(context, options)
    const began = performance.now()
    const sweep = await sweepStorage(context, tenantId, options.signal)
    const report = emptyRetentionReport(REPORTS_RETENTION_KINDS, new Date(now))
    const runRule = rules.get('runs')
    if (runRule) {
      await deleteInBatches(
        async (limit) => {
          const marked = await context.store.markRunsDeleting({ tenantId, ...runRule, limit })
          if (marked > 0)
            report.removed.runs += (await sweepStorage(context, tenantId, options.signal, false)).finishedRuns
          return marked
        },
        { ...(options.signal && { signal: options.signal }) },
      )
    }
    for (const kind of ROW_KINDS) {
      const cutoff = rules.get(kind)?.cutoff
      if (cutoff === undefined) continue
      report.removed[kind] = await deleteInBatches(
        (limit) => context.store.deleteExpired(kind, { tenantId, cutoff, now, limit }),
        { ...(options.signal && { signal: options.signal }) },
      )
    }
    report.durationMs = Math.round(performance.now() - began)
    await context.audit({
      action: 'reports.retention',
      category: 'compliance',
      severity: 'info',
      outcome: 'success',
      actor: { id: 'reports', type: 'service' },
      target: { type: 'reports_store', id: tenantId ?? '*' },
      ...(tenantId && { tenantId }),
      metadata: { removed: report.removed, sweep },
    })
    context.logger.info({ removed: report.removed, sweep, tenantId }, 'reports retention applied')
    return { ...report, sweep }
  }

  return { applyRetention, sweepOrphans }
}
