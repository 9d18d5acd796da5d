import { DEFAULT_TABLE_PREFIX, dialectOf, type HostDatabase, type Logger, migrate } from '@opskit/core'
import { CompiledQuery, type Kysely, sql } from 'kysely'
import { createSubjectKeyWrap, toWrappingKey } from '../../crypto/key-wrap.js'
import { AuditError } from '../../errors/audit-error.js'
import { GENESIS_HASH } from '../../event/canonical.js'
import {
  type AppendPlan,
  type AuditStore,
  type ChainHead,
  lastRowOfEachChain,
  type StoredCheckpoint,
  type StoredEventRow,
  type StoreFilter,
} from '../audit-store.js'
import {
  checkpointParameters,
  eventColumnArrays,
  insertCheckpointStatement,
  insertEventsStatement,
  insertEventsUnnestStatement,
  lockHeadStatement,
  moveHeadStatement,
  pushEventParameters,
  SQLITE_INSERT_CHUNK,
} from './event-statements.js'
import { auditMigrations, auditTables } from './migrations.js'
import { destroySqliteKey } from './secure-erase.js'
import { openSqliteWriter, type SqliteWriter } from './sqlite-writer.js'
import { ensureSubjectKeys, type RunSql, readSubjectKeys } from './subject-keys.js'

/** Options of {@link createKyselyAuditStore}. */
export interface KyselyAuditStoreOptions {
  /** The host's Kysely instance (SQLite through better-sqlite3, or PostgreSQL through pg). */
  db: HostDatabase
  /** Prefix of the store's tables. @default 'opskit_' */
  tablePrefix?: string | undefined
  /**
   * Write events from a worker thread on its own connection to the same SQLite file, so the
   * host's event loop never blocks on inserts or fsync, and validation and hashing of the next
   * batches overlap the current write. `'auto'` uses the thread for a SQLite file in WAL mode and
   * the host's connection otherwise (in-memory SQLite, PostgreSQL; a thread that cannot start is
   * logged as a warning); `true` requires it and refuses anything else with
   * `AUDIT_INVALID_OPTIONS`; `false` never starts it.
   * @default 'auto'
   */
  writerThread?: boolean | 'auto' | undefined
  /** Where the writer thread reports that it stopped. */
  logger?: Logger | undefined
  /**
   * 32 bytes kept outside the audited database (a KMS, a secret store, the environment) under which
   * each subject's data key is wrapped (AES-256-GCM) before it is stored. Recommended: without it the
   * keys sit in plaintext next to the data they protect, and copies of a destroyed key that survive
   * in free pages, the WAL or a backup still open that subject's fields.
   */
  subjectKeyWrappingKey?: Uint8Array | undefined
}

type Row = Record<string, unknown>
// biome-ignore lint/suspicious/noExplicitAny: the store addresses its own prefixed tables only
type Db = Kysely<any>

const RETENTION_BATCH = 10_000
/**
 * How the log feeds the writer thread: chunks of 100 events, so that the thread inserts each
 * while the host seals the next, and up to 16 at once, so that the next group is sealed while one
 * commits.
 */
const WRITER_PIPELINE = { maxInFlight: 16, chunkSize: 100 } as const

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
 * (pg). It resolves once the migrations ran (namespace `audit`): the events table with its indexes,
 * chain heads, checkpoints, retention anchors and subject keys, and the triggers that refuse
 * UPDATE, DELETE (except below a retention anchor) and TRUNCATE of the trail.
 *
 * Writers serialise per chain by upserting the chain-head row as the first statement of each
 * write transaction: on SQLite that takes the write lock at once (so `busy_timeout` applies
 * across processes sharing the file); on PostgreSQL it row-locks that chain only.
 */
export async function createKyselyAuditStore(options: KyselyAuditStoreOptions): Promise<AuditStore> {
  // The host's plugins (e.g. CamelCasePlugin) must not rewrite the store's own identifiers or rows.
  const db = options.db.withoutPlugins() as Db
  const prefix = options.tablePrefix ?? DEFAULT_TABLE_PREFIX
  const t = auditTables(prefix)
  const keyError = (message: string, cause?: unknown) =>
    new AuditError('AUDIT_INVALID_OPTIONS', message, cause === undefined ? {} : { cause })
  const keyWrappingKey =
    options.subjectKeyWrappingKey === undefined
      ? undefined
      : toWrappingKey(options.subjectKeyWrappingKey, keyError)
  const keyWrap = createSubjectKeyWrap(keyWrappingKey, keyError)
  const dialect = dialectOf(options.db)
  if (dialect === 'mysql')
    throw new AuditError('AUDIT_INVALID_OPTIONS', 'the audit store supports SQLite and PostgreSQL, not MySQL')
  const writerThread = options.writerThread ?? 'auto'
  if (writerThread !== true && writerThread !== false && writerThread !== 'auto')
    throw new AuditError('AUDIT_INVALID_OPTIONS', "writerThread must be true, false or 'auto'")
  if (writerThread === true && dialect !== 'sqlite')
    throw new AuditError('AUDIT_INVALID_OPTIONS', 'writerThread is for SQLite databases only')
  const insertUnnestText = insertEventsUnnestStatement(t.events)
  const statements = new Map<number, string>()
  const lockHeadText = lockHeadStatement(t.chains, dialect)
  const moveHeadText = moveHeadStatement(t.chains, dialect)
  await migrate(db, { namespace: 'audit', migrations: auditMigrations, tablePrefix: prefix })

  const lockHead = async (trx: Db, chainId: string, count: number): Promise<ChainHead> => {
    const result = await trx.executeQuery<{ last_seq: unknown; last_hash: string }>(
      CompiledQuery.raw(lockHeadText, [chainId, count, GENESIS_HASH]),
    )
    const row = result.rows[0]
    if (!row) throw new Error(`chain head ${chainId} was not returned`)
    return { chainId, seq: Number(row.last_seq) - count, hash: String(row.last_hash).trim() }
  }

  /** The stored head of every chain (or one), by chain id. */
  const readHeads = async (chainId?: string): Promise<ChainHead[]> => {
    let query = db.selectFrom(t.chains).selectAll()
    if (chainId !== undefined) query = query.where('chain_id', '=', chainId)
    const rows = await query.orderBy('chain_id').execute()
    return rows.map((row) => ({
      chainId: String(row.chain_id),
      seq: Number(row.last_seq),
      hash: String(row.last_hash).trim(),
    }))
  }

  /** Runs SQL text on `executor` (the store's database or an open transaction). */
  const runOn =
    (executor: Db): RunSql =>
    async (text, parameters) =>
      (await executor.executeQuery<Record<string, unknown>>(CompiledQuery.raw(text, [...parameters]))).rows

  /** One append in a transaction on the host's connection: heads locked, keys read or made. */
  const appendInline = (plan: AppendPlan) =>
    db.transaction().execute(async (trx) => {
      const heads = new Map<string, ChainHead>()
      // Chain heads first, in chain-id order: the write lock (SQLite) or the row locks
      // (PostgreSQL) are taken before anything is read, and always in the same order.
      for (const { chainId, count } of plan.chains) heads.set(chainId, await lockHead(trx, chainId, count))
      const keys = await ensureSubjectKeys(runOn(trx), t.keys, dialect, plan.subjects, keyWrap)
      const rows = plan.seal({ heads, keys })
      if (dialect === 'postgres')
        await trx.executeQuery(CompiledQuery.raw(insertUnnestText, eventColumnArrays(rows)))
      else
        for (let i = 0; i < rows.length; i += SQLITE_INSERT_CHUNK) {
          const chunk = rows.slice(i, i + SQLITE_INSERT_CHUNK)
          const parameters: unknown[] = []
          for (const row of chunk) pushEventParameters(parameters, row)
          await trx.executeQuery(
            CompiledQuery.raw(insertEventsStatement(t.events, dialect, chunk.length, statements), parameters),
          )
        }
      for (const row of lastRowOfEachChain(rows))
        await trx.executeQuery(CompiledQuery.raw(moveHeadText, [row.hash, row.chainId, row.seq]))
      return { rows, keys }
    })

  let writer: SqliteWriter | undefined =
    writerThread !== false && dialect === 'sqlite'
      ? await openSqliteWriter(db, t, () => readHeads(), {
          logger: options.logger,
          required: writerThread === true,
          keyWrappingKey,
        })
      : undefined

  return {
    name: `kysely:${dialect}`,

    get pipeline() {
      return writer ? WRITER_PIPELINE : undefined
    },

    async append(plan: AppendPlan) {
      if (writer) {
        const rows = await writer.tryAppend(plan)
        if (rows) return rows
      }
      const { rows, keys } = await appendInline(plan)
      writer?.learn(rows, keys)
      return rows
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

    heads: readHeads,

    getKeys(keyIds) {
      return readSubjectKeys(runOn(db), t.keys, dialect, 'key_id', keyIds, keyWrap)
    },

    async destroyKey(subjectId) {
      writer?.forgetKey(subjectId)
      if (dialect === 'sqlite') return destroySqliteKey(db, t.keys, subjectId)
      const result = await db.deleteFrom(t.keys).where('subject_id', '=', subjectId).executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    },

    async saveCheckpoint(checkpoint) {
      // Through the writer thread when there is one: a write on the host's connection would wait
      // for the thread's write lock with the event loop blocked in SQLite's busy handler.
      if (writer?.alive) return writer.saveCheckpoint(checkpoint)
      await runOn(db)(insertCheckpointStatement(t.checkpoints, dialect), checkpointParameters(checkpoint))
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

    async close() {
      const closing = writer
      writer = undefined
      await closing?.close()
    },
  }
}
