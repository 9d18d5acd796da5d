import { DEFAULT_TABLE_PREFIX, type HostDatabase, type Logger, migrate } from '@opskit/core'
import { dialectOf } from '@opskit/core/internal'
import { CompiledQuery, type Kysely } from 'kysely'
import { createSubjectKeyWrap, toWrappingKey } from '../../crypto/key-wrap.js'
import { AuditError } from '../../errors/audit-error.js'
import { GENESIS_HASH } from '../../event/canonical.js'
import { type AppendPlan, type AuditStore, type ChainHead, lastRowOfEachChain } from '../audit-store.js'
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
import {
  readAnchor,
  readChain,
  readChainHeads,
  readCheckpoints,
  readEvents,
  retainBelow,
} from './kysely-reads.js'
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

// biome-ignore lint/suspicious/noExplicitAny: the store addresses its own prefixed tables only
type Db = Kysely<any>

/**
 * How the log feeds the writer thread: chunks of 100 events, so that the thread inserts each
 * while the host seals the next, and up to 16 at once, so that the next group is sealed while one
 * commits.
 */
const WRITER_PIPELINE = { maxInFlight: 16, chunkSize: 100 } as const

/**
 * Appends on the host's connection, one transaction per plan: the chain heads are locked first (in
 * chain-id order: the write lock on SQLite, row locks on PostgreSQL, always taken in the same order
 * before anything is read), the subject keys are read or made, and the sealed rows are inserted and
 * the heads moved. Resolves to the rows and the keys they were sealed with.
 */
function createInlineAppend(
  db: Db,
  t: ReturnType<typeof auditTables>,
  dialect: ReturnType<typeof dialectOf>,
  keyWrap: ReturnType<typeof createSubjectKeyWrap>,
) {
  const insertUnnestText = insertEventsUnnestStatement(t.events)
  const statements = new Map<number, string>()
  const lockHeadText = lockHeadStatement(t.chains, dialect)
  const moveHeadText = moveHeadStatement(t.chains, dialect)

  const lockHead = async (trx: Db, chainId: string, count: number): Promise<ChainHead> => {
    const result = await trx.executeQuery<{ last_seq: unknown; last_hash: string }>(
      CompiledQuery.raw(lockHeadText, [chainId, count, GENESIS_HASH]),
    )
    const row = result.rows[0]
    if (!row) throw new Error(`chain head ${chainId} was not returned`)
    return { chainId, seq: Number(row.last_seq) - count, hash: String(row.last_hash).trim() }
  }

  return (plan: AppendPlan) =>
    db.transaction().execute(async (trx) => {
      const heads = new Map<string, ChainHead>()
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
}

/** Runs SQL text on `executor` (the store's database or an open transaction). */
const runOn =
  (executor: Db): RunSql =>
  async (text, parameters) =>
    (await executor.executeQuery<Record<string, unknown>>(CompiledQuery.raw(text, [...parameters]))).rows

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
  const appendInline = createInlineAppend(db, t, dialect, keyWrap)
  await migrate(db, { namespace: 'audit', migrations: auditMigrations, tablePrefix: prefix })

  /** The stored head of every chain (or one), by chain id. */
  const readHeads = (chainId?: string) => readChainHeads(db, t.chains, chainId)

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

    readEvents: (filter, options) => readEvents(db, t.events, filter, options),
    readChain: (chainId, options) => readChain(db, t.events, chainId, options),
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

    checkpoints: (chainId) => readCheckpoints(db, t.checkpoints, chainId),
    retain: (anchor) => retainBelow(db, t, anchor),
    anchor: (chainId) => readAnchor(db, t.anchors, chainId),

    async close() {
      const closing = writer
      writer = undefined
      await closing?.close()
    },
  }
}
