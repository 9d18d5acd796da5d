import { type Kysely, sql } from 'kysely'
import { AuditError } from '../../errors/audit-error.js'
import type { AuditStore, ChainHead, StoredCheckpoint, StoredEventRow, StoreFilter } from '../audit-store.js'
import type { auditTables } from './migrations.js'

type Row = Record<string, unknown>
// biome-ignore lint/suspicious/noExplicitAny: the store addresses its own prefixed tables only
type Db = Kysely<any>

/** Most events deleted per statement by retention (short write locks on SQLite). */
const RETENTION_BATCH = 10_000

function fromRow(row: Row): StoredEventRow {
  return {
    chainId: String(row.chain_id),
    seq: Number(row.seq),
    id: String(row.id),
    tenantId: row.tenant_id == null ? null : String(row.tenant_id),
    occurredAt: Number(row.occurred_at),
    recordedAt: Number(row.recorded_at),
    actorId: String(row.actor_id),
    action: String(row.action),
    category: String(row.category),
    outcome: String(row.outcome),
    severity: String(row.severity),
    targetType: row.target_type == null ? null : String(row.target_type),
    targetId: row.target_id == null ? null : String(row.target_id),
    body: String(row.body),
    leafHash: String(row.leaf_hash).trim(),
    prevHash: String(row.prev_hash).trim(),
    hash: String(row.hash).trim(),
  }
}

function fromCheckpoint(row: Row): StoredCheckpoint {
  return {
    chainId: String(row.chain_id),
    seq: Number(row.seq),
    hash: String(row.hash).trim(),
    text: String(row.text),
    createdAt: Number(row.created_at),
  }
}

/** The stored head of every chain (or of `chainId`), by chain id. */
export async function readChainHeads(db: Db, chains: string, chainId?: string): Promise<ChainHead[]> {
  let query = db.selectFrom(chains).selectAll()
  if (chainId !== undefined) query = query.where('chain_id', '=', chainId)
  const rows = await query.orderBy('chain_id').execute()
  return rows.map((row) => ({
    chainId: String(row.chain_id),
    seq: Number(row.last_seq),
    hash: String(row.last_hash).trim(),
  }))
}

/** Events matching `filter`, newest first (see {@link AuditStore.readEvents}). */
export async function readEvents(
  db: Db,
  events: string,
  filter: StoreFilter,
  { limit, beforeId }: Parameters<AuditStore['readEvents']>[1],
): Promise<StoredEventRow[]> {
  let query = db.selectFrom(events).selectAll()
  if (filter.chainId !== undefined) query = query.where('chain_id', '=', filter.chainId)
  if (filter.tenantId !== undefined) query = query.where('tenant_id', '=', filter.tenantId)
  if (filter.actorId !== undefined) query = query.where('actor_id', '=', filter.actorId)
  if (filter.action !== undefined) query = query.where('action', '=', filter.action)
  if (filter.actionPrefix !== undefined)
    query = query.where(sql`substr(action, 1, ${filter.actionPrefix.length})`, '=', filter.actionPrefix)
  if (filter.category !== undefined) query = query.where('category', '=', filter.category)
  if (filter.targetType !== undefined) query = query.where('target_type', '=', filter.targetType)
  if (filter.targetId !== undefined) query = query.where('target_id', '=', filter.targetId)
  if (filter.outcome !== undefined) query = query.where('outcome', '=', filter.outcome)
  if (filter.severity !== undefined) query = query.where('severity', '=', filter.severity)
  if (filter.from !== undefined) query = query.where('occurred_at', '>=', filter.from)
  if (filter.to !== undefined) query = query.where('occurred_at', '<', filter.to)
  if (beforeId !== undefined) query = query.where('id', '<', beforeId)
  try {
    const rows = await query.orderBy('id', 'desc').limit(limit).execute()
    return rows.map(fromRow)
  } catch (error) {
    throw new AuditError('AUDIT_STORE_FAILED', 'reading audit events failed', {
      cause: error,
      retryable: true,
    })
  }
}

/** A chain's events after `afterSeq` (up to `toSeq`), ascending (see {@link AuditStore.readChain}). */
export async function readChain(
  db: Db,
  events: string,
  chainId: string,
  { afterSeq, toSeq, limit }: Parameters<AuditStore['readChain']>[1],
): Promise<StoredEventRow[]> {
  let query = db.selectFrom(events).selectAll().where('chain_id', '=', chainId).where('seq', '>', afterSeq)
  if (toSeq !== undefined) query = query.where('seq', '<=', toSeq)
  const rows = await query.orderBy('seq', 'asc').limit(limit).execute()
  return rows.map(fromRow)
}

/** A chain's stored checkpoints, oldest first. */
export async function readCheckpoints(
  db: Db,
  checkpoints: string,
  chainId: string,
): Promise<StoredCheckpoint[]> {
  const rows = await db
    .selectFrom(checkpoints)
    .selectAll()
    .where('chain_id', '=', chainId)
    .orderBy('seq', 'asc')
    .execute()
  return rows.map(fromCheckpoint)
}

/** A chain's newest retention anchor; `undefined` when there is none. */
export async function readAnchor(
  db: Db,
  anchors: string,
  chainId: string,
): Promise<StoredCheckpoint | undefined> {
  const row = await db
    .selectFrom(anchors)
    .selectAll()
    .where('chain_id', '=', chainId)
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst()
  return row ? fromCheckpoint(row) : undefined
}

/**
 * Records `anchor`, then deletes the chain's events up to it in bounded batches (see
 * {@link AuditStore.retain}); resolves to the number deleted.
 */
export async function retainBelow(
  db: Db,
  t: Pick<ReturnType<typeof auditTables>, 'anchors' | 'events'>,
  anchor: StoredCheckpoint,
): Promise<number> {
  await db
    .insertInto(t.anchors)
    .values({
      chain_id: anchor.chainId,
      seq: anchor.seq,
      hash: anchor.hash,
      text: anchor.text,
      created_at: anchor.createdAt,
    })
    .onConflict((oc) => oc.columns(['chain_id', 'seq']).doNothing())
    .execute()
  // Once the anchor is recorded, verify starts after it, so deleting in bounded batches (short
  // write locks on SQLite) is safe to interrupt and resume: rows at or below it are ignored.
  const first = await db
    .selectFrom(t.events)
    .select(sql<unknown>`min(seq)`.as('low'))
    .where('chain_id', '=', anchor.chainId)
    .executeTakeFirst()
  let low = first?.low == null ? anchor.seq + 1 : Number(first.low)
  let deleted = 0
  while (low <= anchor.seq) {
    const high = Math.min(anchor.seq, low + RETENTION_BATCH - 1)
    const result = await db
      .deleteFrom(t.events)
      .where('chain_id', '=', anchor.chainId)
      .where('seq', '>=', low)
      .where('seq', '<=', high)
      .executeTakeFirst()
    deleted += Number(result.numDeletedRows)
    low = high + 1
  }
  return deleted
}
