import type { Clock, Logger, RetentionPolicy, RetentionReport } from '@opskit/core'
import {
  deleteInBatches,
  emptyRetentionReport,
  resolveRetentionPolicy,
  type TenantScope,
} from '@opskit/core/internal'
import { NotifyError } from '../errors/notify-error.js'
import type { NotifyRetentionKind, NotifyStore } from '../store/notify-store.js'

/** Every kind `applyRetention` knows, in the order a run goes through them. */
export const NOTIFY_RETENTION_KINDS: readonly NotifyRetentionKind[] = [
  'deliveries',
  'inbox',
  'outbox',
  'devices',
]

/** Kinds whose rule may say `keepLast` (per owner: each user's inbox). */
const KEEP_LAST_KINDS: readonly NotifyRetentionKind[] = ['inbox']

/** What a retention run needs from the notifier. */
export interface RetentionContext {
  store: NotifyStore
  clock: Clock
  logger: Logger
  tenantOf: TenantScope
}

/**
 * `notifier.applyRetention`: checks the whole policy first (an invalid one deletes nothing),
 * then deletes each kind with a rule in short batches (`deleteInBatches`: each batch one short
 * transaction of `store.deleteExpired`), and logs one `notify.retention` event with the counts.
 * With `tenantId` only that tenant's records go; without, every tenant's.
 */
export async function applyRetention(
  context: RetentionContext,
  policy: RetentionPolicy<NotifyRetentionKind>,
  options: { tenantId?: string; signal?: AbortSignal } = {},
): Promise<RetentionReport<NotifyRetentionKind>> {
  const tenantId = options.tenantId === undefined ? undefined : context.tenantOf(options.tenantId)
  const started = context.clock.now()
  const rules = resolveRetentionPolicy(
    policy,
    { all: NOTIFY_RETENTION_KINDS, keepLast: KEEP_LAST_KINDS },
    started,
    (message) => new NotifyError('NOTIFY_INVALID_OPTIONS', message),
  )
  const report = emptyRetentionReport(NOTIFY_RETENTION_KINDS, new Date(started))
  for (const kind of NOTIFY_RETENTION_KINDS) {
    const rule = rules.get(kind)
    if (rule === undefined) continue
    report.removed[kind] = await deleteInBatches(
      (limit) =>
        context.store.deleteExpired(kind, {
          ...rule,
          ...(tenantId === undefined ? {} : { tenantId }),
          limit,
        }),
      {
        ...(options.signal ? { signal: options.signal } : {}),
        ...(context.store.retentionTargetBatchMs === undefined
          ? {}
          : { targetBatchMs: context.store.retentionTargetBatchMs }),
        ...(context.store.retentionWritersWaiting === undefined
          ? {}
          : { writersWaiting: () => context.store.retentionWritersWaiting?.() === true }),
      },
    )
  }
  report.durationMs = context.clock.now() - started
  context.logger.info(
    { event: 'notify.retention', removed: report.removed, durationMs: report.durationMs, tenantId },
    'notify retention applied',
  )
  return report
}
