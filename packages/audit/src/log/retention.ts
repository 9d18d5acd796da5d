import { emptyRetentionReport, resolveRetentionPolicy } from '@opskit/core/internal'
import { createRetentionStatement } from '../checkpoint/retention-statement.js'
import { AuditError } from '../errors/audit-error.js'
import type { ChainHead, StoredEventRow } from '../store/audit-store.js'
import { verifyChain } from '../verify/verify-chain.js'
import type { AuditLog, AuditRetentionKind, AuditRetentionReport } from './audit-log.js'
import type { Checkpointer } from './checkpointer.js'
import { type AuditLogContext, actorOf, originOf, SYSTEM_ACTOR } from './log-context.js'
import { SCAN_PAGE } from './read-api.js'
import { requireTenant } from './read-filter.js'

const RETENTION_KINDS: readonly AuditRetentionKind[] = ['events']

/** Retention and erasure: `applyRetention` and `forgetSubject`. */
export type AuditRetentionApi = Pick<AuditLog, 'applyRetention' | 'forgetSubject'>

/** What retention needs: the log's context and its checkpointer (which ships the statements). */
export type RetentionContext = AuditLogContext & { checkpointer: Checkpointer }

/** The newest event of a chain, above its anchor, recorded before `cutoff`. */
async function lastRowBefore(
  context: RetentionContext,
  chainId: string,
  cutoff: number,
): Promise<StoredEventRow | undefined> {
  const anchor = await context.store.anchor(chainId)
  let last: StoredEventRow | undefined
  let afterSeq = anchor?.seq ?? 0
  for (;;) {
    const rows = await context.store.readChain(chainId, { afterSeq, limit: SCAN_PAGE })
    for (const row of rows) {
      if (row.recordedAt >= cutoff) return last
      last = row
    }
    if (rows.length < SCAN_PAGE) return last
    afterSeq = (rows[rows.length - 1] as StoredEventRow).seq
  }
}

/**
 * Deletes a chain's events up to `last` once that part verifies: a signed retention statement is
 * stored as the anchor and shipped outside, then `audit.retention` is logged. Resolves to the
 * number deleted.
 */
async function retainChain(
  context: RetentionContext,
  head: ChainHead,
  last: StoredEventRow,
  cutoff: number,
): Promise<number> {
  const { store, options } = context
  const origin = originOf(options, head.chainId)
  const check = await verifyChain(store, head.chainId, { origin, to: last.seq })
  if (check.failures.length > 0)
    throw new AuditError(
      'AUDIT_CHAIN_BROKEN',
      `retention refused: chain "${head.chainId}" fails verification at seq ${check.failures[0]?.seq}`,
      { details: { failures: check.failures.slice(0, 10) } },
    )
  const statement = createRetentionStatement({
    origin,
    size: last.seq,
    rootHash: last.hash,
    signingKey: options.signingKey,
    keyName: options.keyName,
  })
  const deleted = await store.retain({
    chainId: head.chainId,
    seq: last.seq,
    hash: last.hash,
    text: statement.text,
    createdAt: options.clock.now(),
  })
  await context.checkpointer.shipOutside({ ...statement, chainId: head.chainId, reason: 'retention' })
  await context.log({
    action: 'audit.retention',
    category: 'compliance',
    severity: 'warning',
    actor: SYSTEM_ACTOR,
    target: { type: 'audit_log', id: head.chainId || 'default' },
    ...(head.chainId !== '' ? { tenantId: head.chainId } : {}),
    metadata: { deleted, anchorSeq: last.seq, olderThan: new Date(cutoff).toISOString() },
  })
  return deleted
}

/** Retention through signed anchors, and erasure of a subject's data key. */
export function createRetentionApi(context: RetentionContext): AuditRetentionApi {
  const { store, options } = context
  return {
    async applyRetention(policy, retentionOptions = {}) {
      const startedAt = options.clock.now()
      const invalid = (message: string) =>
        new AuditError('AUDIT_INVALID_QUERY', `invalid retention: ${message}`)
      const rules = resolveRetentionPolicy(policy, { all: RETENTION_KINDS, keepLast: [] }, startedAt, invalid)
      const tenantId =
        retentionOptions.tenantId === undefined
          ? undefined
          : requireTenant(retentionOptions.tenantId, options.tenantMode)
      const report: AuditRetentionReport = {
        ...emptyRetentionReport(RETENTION_KINDS, new Date(startedAt)),
        anchorSeq: 0,
        chains: [],
      }
      const cutoff = rules.get('events')?.cutoff
      if (cutoff !== undefined) {
        await context.flush()
        for (const head of await store.heads(tenantId)) {
          const last = await lastRowBefore(context, head.chainId, cutoff)
          if (!last) continue
          const deleted = await retainChain(context, head, last, cutoff)
          report.removed.events += deleted
          report.anchorSeq = Math.max(report.anchorSeq, last.seq)
          report.chains.push({ chainId: head.chainId, deleted, anchorSeq: last.seq })
        }
      }
      report.durationMs = options.clock.now() - startedAt
      return report
    },

    async forgetSubject(subjectId, forgetOptions = {}) {
      if (typeof subjectId !== 'string' || subjectId.length === 0 || subjectId.length > 256)
        throw new AuditError('AUDIT_INVALID_QUERY', 'invalid erasure: subjectId must be a non-empty string')
      const tenantId = requireTenant(forgetOptions.tenantId, options.tenantMode)
      await context.flush()
      const erased = await store.destroyKey(subjectId)
      context.sealer.clear()
      await context.log({
        action: 'gdpr.erasure',
        category: 'compliance',
        actor: actorOf(forgetOptions.viewer),
        target: { type: 'subject', id: subjectId },
        ...(tenantId !== undefined ? { tenantId } : {}),
        metadata: { keyDestroyed: erased },
      })
      return { erased }
    },
  }
}
