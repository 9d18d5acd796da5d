import { randomBytes } from 'node:crypto'
import {
  DEFAULT_TABLE_PREFIX,
  type Dialect,
  dialectOf,
  type HostDatabase,
  migrate,
  placeholderRows,
  uuidv7,
} from '@opskit/core'
import { CompiledQuery, type Kysely, sql } from 'kysely'
import { AuditError } from '../../errors/audit-error.js'
import { GENESIS_HASH } from '../../event/canonical.js'
import type {
  AppendPlan,
  AuditStore,
  ChainHead,
  StoredCheckpoint,
  StoredEventRow,
  StoreFilter,
  SubjectKey,
} from '../audit-store.js'
import { auditMigrations, auditTables } from './migrations.js'

/** Options of {@link createKyselyAuditStore}. */
export interface KyselyAuditStoreOptions {
  /** The host's Kysely instance (SQLite through better-sqlite3, or PostgreSQL through pg). */
  db: HostDatabase
  /** Prefix of the store's tables. @default 'opskit_' */
  tablePrefix?: string
}

type Row = Record<string, unknown>
// biome-ignore lint/suspicious/noExplicitAny: the store addresses its own prefixed tables only
type Db = Kysely<any>

const RETENTION_BATCH = 10_000

const EVENT_COLUMNS = [
  'chain_id',
  'seq',
  'id',
  'tenant_id',
  'occurred_at',
  'recorded_at',
  'actor_id',
  'action',
  'category',
  'outcome',
  'severity',
  'target_type',
  'target_id',
  'body',
  'leaf_hash',
  'prev_hash',
  'hash',
] as const

function pushParameters(out: unknown[], row: StoredEventRow): void {
  out.push(
    row.chainId,
    row.seq,
    row.id,
    row.tenantId,
    row.occurredAt,
    row.recordedAt,
    row.actorId,
    row.action,
    row.category,
    row.outcome,
    row.severity,
    row.targetType,
    row.targetId,
    row.body,
    row.leafHash,
    row.prevHash,
    row.hash,
  )
}

/**
 * Multi-row INSERT text for `rows` rows, cached per size: the hot path skips Kysely's query
 * builder (building and compiling ~17 nodes per value costs more than SQLite's insert itself).
 */
function insertStatement(table: string, dialect: Dialect, rows: number, cache: Map<number, string>): string {
  let text = cache.get(rows)
  if (text) return text
  text = `INSERT INTO ${table} (${EVENT_COLUMNS.join(', ')}) VALUES ${placeholderRows(dialect, rows, EVENT_COLUMNS.length)}`
  if (cache.size > 64) cache.clear()
  cache.set(rows, text)
  return text
}

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

function storeFailed(what: string, cause: unknown): AuditError {
  return new AuditError('AUDIT_STORE_FAILED', `${what} failed`, { cause, retryable: true })
}

/**
 * The audit store on the host's database through Kysely: SQLite (better-sqlite3) or PostgreSQL
 * (pg). `init()` runs the migrations (namespace `audit`): the events table with its indexes,
 * chain heads, checkpoints, retention anchors and subject keys, and the triggers that refuse
 * UPDATE, DELETE (except below a retention anchor) and TRUNCATE of the trail.
 *
 * Writers serialise per chain by upserting the chain-head row as the first statement of each
 * write transaction: on SQLite that takes the write lock at once (so `busy_timeout` applies
 * across processes sharing the file); on PostgreSQL it row-locks that chain only.
 */
export function createKyselyAuditStore(options: KyselyAuditStoreOptions): AuditStore {
  // The host's plugins (e.g. CamelCasePlugin) must not rewrite the store's own identifiers or rows.
  const db = options.db.withoutPlugins() as Db
  const prefix = options.tablePrefix ?? DEFAULT_TABLE_PREFIX
  const t = auditTables(prefix)
  const dialect = dialectOf(options.db)
  if (dialect === 'mysql')
    throw new AuditError('AUDIT_INVALID_OPTIONS', 'the audit store supports SQLite and PostgreSQL, not MySQL')
  // SQLite allows 32,766 parameters per statement, PostgreSQL 65,535.
  const insertChunk = dialect === 'postgres' ? 1000 : 500
  const statements = new Map<number, string>()

  const lockHead = async (trx: Db, chainId: string, count: number): Promise<ChainHead> => {
    const result = await sql<{ last_seq: unknown; last_hash: string }>`
      INSERT INTO ${sql.table(t.chains)} (chain_id, last_seq, last_hash) VALUES (${chainId}, ${count}, ${GENESIS_HASH})
      ON CONFLICT (chain_id) DO UPDATE SET last_seq = ${sql.table(t.chains)}.last_seq + excluded.last_seq
      RETURNING last_seq, last_hash`.execute(trx)
    const row = result.rows[0]
    if (!row) throw new Error(`chain head ${chainId} was not returned`)
    return { chainId, seq: Number(row.last_seq) - count, hash: String(row.last_hash).trim() }
  }

  /** Subject keys whose `column` (subject or key id) is one of `values`, keyed by that column. */
  const readKeys = async (
    executor: Db,
    column: 'subject_id' | 'key_id',
    values: readonly string[],
    into: Map<string, SubjectKey>,
  ) => {
    const rows = await executor
      .selectFrom(t.keys)
      .selectAll()
      .where(column, 'in', [...values])
      .execute()
    for (const row of rows) {
      into.set(String(row[column]), {
        subjectId: String(row.subject_id),
        keyId: String(row.key_id),
        key: Buffer.from(String(row.key), 'base64'),
      })
    }
  }

  // Most subjects of a batch already have a key: read first, and make key material only for the
  // rest. A concurrent writer may create the same subject's key first, so the insert ignores
  // conflicts and the missing keys are read back rather than taken from what was generated.
  const ensureKeys = async (trx: Db, subjects: readonly string[]): Promise<Map<string, SubjectKey>> => {
    const keys = new Map<string, SubjectKey>()
    if (subjects.length === 0) return keys
    await readKeys(trx, 'subject_id', subjects, keys)
    const missing = subjects.filter((subjectId) => !keys.has(subjectId))
    if (missing.length === 0) return keys
    const now = Date.now()
    await trx
      .insertInto(t.keys)
      .values(
        missing.map((subjectId) => ({
          subject_id: subjectId,
          key_id: uuidv7(),
          key: randomBytes(32).toString('base64'),
          created_at: now,
        })),
      )
      .onConflict((oc) => oc.column('subject_id').doNothing())
      .execute()
    await readKeys(trx, 'subject_id', missing, keys)
    return keys
  }

  return {
    name: `kysely:${dialect}`,

    async init() {
      await migrate(db, { namespace: 'audit', migrations: auditMigrations, tablePrefix: prefix })
    },

    async append(plan: AppendPlan) {
      return db.transaction().execute(async (trx) => {
        const heads = new Map<string, ChainHead>()
        // Chain heads first, in chain-id order: the write lock (SQLite) or the row locks
        // (PostgreSQL) are taken before anything is read, and always in the same order.
        for (const { chainId, count } of plan.chains) heads.set(chainId, await lockHead(trx, chainId, count))
        const keys = await ensureKeys(trx, plan.subjects)
        const rows = plan.seal({ heads, keys })
        for (let i = 0; i < rows.length; i += insertChunk) {
          const chunk = rows.slice(i, i + insertChunk)
          const parameters: unknown[] = []
          for (const row of chunk) pushParameters(parameters, row)
          await trx.executeQuery(
            CompiledQuery.raw(insertStatement(t.events, dialect, chunk.length, statements), parameters),
          )
        }
        const last = new Map<string, StoredEventRow>()
        for (const row of rows) last.set(row.chainId, row)
        for (const [chainId, row] of last) {
          await trx
            .updateTable(t.chains)
            .set({ last_hash: row.hash })
            .where('chain_id', '=', chainId)
            .where('last_seq', '=', row.seq)
            .execute()
        }
        return rows
      })
    },

    async readEvents(filter: StoreFilter, { limit, beforeId }) {
      let query = db.selectFrom(t.events).selectAll()
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
        throw storeFailed('reading audit events', error)
      }
    },

    async readChain(chainId, { afterSeq, toSeq, limit }) {
      let query = db
        .selectFrom(t.events)
        .selectAll()
        .where('chain_id', '=', chainId)
        .where('seq', '>', afterSeq)
      if (toSeq !== undefined) query = query.where('seq', '<=', toSeq)
      const rows = await query.orderBy('seq', 'asc').limit(limit).execute()
      return rows.map(fromRow)
    },

    async heads(chainId) {
      let query = db.selectFrom(t.chains).selectAll()
      if (chainId !== undefined) query = query.where('chain_id', '=', chainId)
      const rows = await query.orderBy('chain_id').execute()
      return rows.map((row) => ({
        chainId: String(row.chain_id),
        seq: Number(row.last_seq),
        hash: String(row.last_hash).trim(),
      }))
    },

    async getKeys(keyIds) {
      const keys = new Map<string, SubjectKey>()
      if (keyIds.length > 0) await readKeys(db, 'key_id', keyIds, keys)
      return keys
    },

    async destroyKey(subjectId) {
      const result = await db.deleteFrom(t.keys).where('subject_id', '=', subjectId).executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    },

    async saveCheckpoint(checkpoint) {
      await db
        .insertInto(t.checkpoints)
        .values({
          chain_id: checkpoint.chainId,
          seq: checkpoint.seq,
          hash: checkpoint.hash,
          text: checkpoint.text,
          created_at: checkpoint.createdAt,
        })
        .onConflict((oc) => oc.columns(['chain_id', 'seq']).doNothing())
        .execute()
    },

    async checkpoints(chainId) {
      const rows = await db
        .selectFrom(t.checkpoints)
        .selectAll()
        .where('chain_id', '=', chainId)
        .orderBy('seq', 'asc')
        .execute()
      return rows.map(fromCheckpoint)
    },

    async retain(anchor) {
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
    },

    async anchor(chainId) {
      const row = await db
        .selectFrom(t.anchors)
        .selectAll()
        .where('chain_id', '=', chainId)
        .orderBy('seq', 'desc')
        .limit(1)
        .executeTakeFirst()
      return row ? fromCheckpoint(row) : undefined
    },

    async close() {},
  }
}
