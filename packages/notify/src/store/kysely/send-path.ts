import type { HostDatabase } from '@opskit/core'
import {
  createGroupCommit,
  createStatementBatch,
  type Dialect,
  type Outcome,
  placeholder,
  placeholderRows,
  settleEach,
} from '@opskit/core/internal'
import { CompiledQuery } from 'kysely'
import type { Delivery, NotificationRecord } from '../records.js'
import type { notifyTables } from './migrations.js'

/** One delivery-log write: a notification's final deliveries. */
interface Completion {
  tenantId: string
  id: string
  deliveries: Delivery[]
  now: number
}

/** The store's reads and writes on the path of every send. */
export interface SendPath {
  /** The idempotency claim: `false` when the key is taken. */
  claim(record: NotificationRecord, options?: { wait?: 'durable' | 'committed' }): Promise<boolean>
  /** The delivery log: final deliveries, state `done`, provider message ids indexed. */
  complete(tenantId: string, id: string, deliveries: Delivery[], now: number): Promise<void>
  /** A user's stored preferences in a tenant (JSON text). */
  preferences(tenantId: string, userId: string): Promise<string | undefined>
  /** Claims and completions called and not yet settled (SQLite: queued for, or in, a group). */
  pendingWrites(): number
  close(): Promise<void>
}

/** Most rows in one multi-row statement (9 parameters each stays far below SQLite's limit). */
const CHUNK = 500

/** SQL text of the send path, built once, for SQLite (`?`) or PostgreSQL (`$n`) placeholders. */
function statements(t: ReturnType<typeof notifyTables>, dialect: Dialect) {
  const rows = (count: number, width: number) => placeholderRows(dialect, count, width)
  const cached = (build: (count: number) => string) => {
    const texts = new Map<number, string>()
    return (count: number) => {
      let text = texts.get(count)
      if (text === undefined) {
        text = build(count)
        texts.set(count, text)
      }
      return text
    }
  }
  const columns =
    'id, tenant_id, idempotency_key, user_id, category, state, deliveries, created_at, updated_at'
  return {
    /** Inserts `count` notifications, skipping taken keys; returns the ids inserted. */
    insertNotifications: cached(
      (count) =>
        `INSERT INTO "${t.notifications}" (${columns}) VALUES ${rows(count, 9)} ON CONFLICT (tenant_id, idempotency_key) DO NOTHING RETURNING id`,
    ),
    /**
     * The same insert without `RETURNING` (SQLite's `RETURNING` buffers its rows in a temporary
     * table: ~40 % of the insert's time); its change count tells whether every row went in.
     */
    claimNotifications: cached(
      (count) =>
        `INSERT INTO "${t.notifications}" (${columns}) VALUES ${rows(count, 9)} ON CONFLICT (tenant_id, idempotency_key) DO NOTHING`,
    ),
    /** Which of `count` notification ids exist (the claims of a group that went in). */
    existingIds: cached(
      (count) => `SELECT id FROM "${t.notifications}" WHERE id IN ${placeholderRows(dialect, 1, count)}`,
    ),
    /**
     * Completes `count` notifications: (id, deliveries, updated_at, tenant_id) rows joined by id
     * and tenant (SQLite 3.33+).
     */
    completeNotifications: cached(
      (count) =>
        `UPDATE "${t.notifications}" SET state = 'done', deliveries = v.column2, updated_at = v.column3 FROM (VALUES ${rows(count, 4)}) AS v WHERE "${t.notifications}".id = v.column1 AND "${t.notifications}".tenant_id = v.column4`,
    ),
    completeNotification: `UPDATE "${t.notifications}" SET state = 'done', deliveries = ${placeholder(dialect, 1)}, updated_at = ${placeholder(dialect, 2)} WHERE id = ${placeholder(dialect, 3)} AND tenant_id = ${placeholder(dialect, 4)}`,
    /** Indexes `count` provider message ids (provider, id, notification, tenant) for receipts. */
    linkMessages: cached(
      (count) =>
        `INSERT INTO "${t.providerMessages}" (provider, provider_message_id, notification_id, tenant_id) VALUES ${rows(count, 4)} ON CONFLICT (provider, provider_message_id) DO NOTHING`,
    ),
    /** Preferences of `count` users of one tenant (the tenant is the first parameter). */
    preferences: cached(
      (count) =>
        `SELECT user_id, preferences FROM "${t.preferences}" WHERE tenant_id = ${placeholder(dialect, 1)} AND user_id IN ${placeholderRows(dialect, 1, count, 2)}`,
    ),
  }
}

/** Appends a claim's 9 parameters (the columns of the insert, in order) to `values`. */
function pushClaimParameters(values: unknown[], record: NotificationRecord): unknown[] {
  values.push(
    record.id,
    record.tenantId,
    record.idempotencyKey,
    record.userId ?? null,
    record.category ?? null,
    record.state,
    JSON.stringify(record.deliveries),
    record.createdAt,
    record.updatedAt,
  )
  return values
}

/** Provider message ids of deliveries, flattened as (provider, provider_message_id, notification_id, tenant_id). */
function links(tenantId: string, id: string, deliveries: readonly Delivery[]): unknown[] {
  const values: unknown[] = []
  for (const delivery of deliveries) {
    if (delivery.providerMessageId && delivery.provider)
      values.push(delivery.provider, delivery.providerMessageId, id, tenantId)
  }
  return values
}

/**
 * Reads preferences in batches: the users asked for in the same turn of the event loop (the sends
 * that a finished batch of writes let go on) are read with one `IN (…)` query per tenant.
 */
function createPreferencesLoader(db: HostDatabase, statement: (count: number) => string) {
  type Caller = { resolve: (value: string | undefined) => void; reject: (error: unknown) => void }
  /** Callers by tenant, then by user. */
  let waiting: Map<string, Map<string, Caller[]>> | undefined
  const loadTenant = async (tenantId: string, batch: Map<string, Caller[]>) => {
    const userIds = [...batch.keys()]
    try {
      const found = new Map<string, string>()
      for (let start = 0; start < userIds.length; start += CHUNK) {
        const chunk = userIds.slice(start, start + CHUNK)
        const { rows } = await db.executeQuery<{ user_id: unknown; preferences: unknown }>(
          CompiledQuery.raw(statement(chunk.length), [tenantId, ...chunk]),
        )
        for (const row of rows) found.set(String(row.user_id), String(row.preferences))
      }
      for (const [userId, callers] of batch) for (const caller of callers) caller.resolve(found.get(userId))
    } catch (error) {
      for (const callers of batch.values()) for (const caller of callers) caller.reject(error)
    }
  }
  return (tenantId: string, userId: string) =>
    new Promise<string | undefined>((resolve, reject) => {
      if (!waiting) {
        const batch = new Map<string, Map<string, Caller[]>>()
        waiting = batch
        queueMicrotask(() => {
          waiting = undefined
          for (const [tenant, users] of batch) void loadTenant(tenant, users)
        })
      }
      let users = waiting.get(tenantId)
      if (!users) {
        users = new Map()
        waiting.set(tenantId, users)
      }
      const callers = users.get(userId)
      if (callers) callers.push({ resolve, reject })
      else users.set(userId, [{ resolve, reject }])
    })
}

/**
 * The send path of the Kysely store. PostgreSQL runs each statement on its own (its connections
 * commit concurrently). SQLite has one writer: claims and delivery-log writes of concurrent sends
 * share group-committed transactions, the claims of a group as one multi-row `INSERT … RETURNING`,
 * their provider message ids as one multi-row `INSERT`; a statement that fails is retried row by
 * row in the same transaction, so only the row at fault fails.
 */
export function createSendPath(
  db: HostDatabase,
  t: ReturnType<typeof notifyTables>,
  dialect: Dialect,
): SendPath {
  const text = statements(t, dialect)
  const preferences = createPreferencesLoader(db, text.preferences)

  const insertOne = async (executor: HostDatabase, record: NotificationRecord) => {
    const { rows } = await executor.executeQuery(
      CompiledQuery.raw(text.insertNotifications(1), pushClaimParameters([], record)),
    )
    return rows.length > 0
  }
  const completeOne = async (executor: HostDatabase, row: Completion) => {
    await executor.executeQuery(
      CompiledQuery.raw(text.completeNotification, [
        JSON.stringify(row.deliveries),
        row.now,
        row.id,
        row.tenantId,
      ]),
    )
    const values = links(row.tenantId, row.id, row.deliveries)
    if (values.length > 0)
      await executor.executeQuery(CompiledQuery.raw(text.linkMessages(values.length / 4), values))
  }

  if (dialect === 'postgres') {
    return {
      claim: (record) => insertOne(db, record),
      complete: (tenantId, id, deliveries, now) => completeOne(db, { tenantId, id, deliveries, now }),
      preferences,
      pendingWrites: () => 0,
      close: async () => {},
    }
  }

  const group = createGroupCommit(db)
  /**
   * Claims a chunk of records in one statement: `true` for each row that went in. When the change
   * count says a key was taken, the ids of the chunk that exist now are the rows inserted (each
   * record's id is new; a taken id fails the statement instead).
   */
  const claimChunk = async (executor: HostDatabase, chunk: NotificationRecord[]): Promise<boolean[]> => {
    const parameters: unknown[] = []
    for (const record of chunk) pushClaimParameters(parameters, record)
    const { numAffectedRows } = await executor.executeQuery(
      CompiledQuery.raw(text.claimNotifications(chunk.length), parameters),
    )
    if (Number(numAffectedRows) === chunk.length) return chunk.map(() => true)
    const { rows } = await executor.executeQuery<{ id: unknown }>(
      CompiledQuery.raw(
        text.existingIds(chunk.length),
        chunk.map((record) => record.id),
      ),
    )
    const inserted = new Set(rows.map((row) => String(row.id)))
    return chunk.map((record) => inserted.has(record.id))
  }
  const insertMany = async (executor: HostDatabase, records: NotificationRecord[]) => {
    try {
      const outcomes: Outcome<boolean>[] = []
      for (let start = 0; start < records.length; start += CHUNK) {
        const claimed = await claimChunk(executor, records.slice(start, start + CHUNK))
        for (const value of claimed) outcomes.push({ ok: true, value })
      }
      return outcomes
    } catch {
      // a failed statement rolled back alone: find the row at fault, one statement each
      return settleEach(records, (record) => insertOne(executor, record))
    }
  }
  const durableClaims = createStatementBatch(group, insertMany)
  const committedClaims = createStatementBatch(group, insertMany, { wait: 'committed' })

  const completions = createStatementBatch<Completion, void>(group, async (executor, rows) => {
    // one notification twice in a group (a stale sender and its successor) keeps the per-row order
    if (new Set(rows.map((row) => row.id)).size < rows.length) {
      return settleEach(rows, (row) => completeOne(executor, row))
    }
    try {
      for (let start = 0; start < rows.length; start += CHUNK) {
        const chunk = rows.slice(start, start + CHUNK)
        await executor.executeQuery(
          CompiledQuery.raw(
            text.completeNotifications(chunk.length),
            chunk.flatMap((row) => [row.id, JSON.stringify(row.deliveries), row.now, row.tenantId]),
          ),
        )
      }
      const values = rows.flatMap((row) => links(row.tenantId, row.id, row.deliveries))
      for (let start = 0; start < values.length; start += CHUNK * 4) {
        const chunk = values.slice(start, start + CHUNK * 4)
        await executor.executeQuery(CompiledQuery.raw(text.linkMessages(chunk.length / 4), chunk))
      }
      return rows.map((): Outcome<void> => ({ ok: true, value: undefined }))
    } catch {
      // a failed statement rolled back alone: find the row at fault, one statement each
      return settleEach(rows, (row) => completeOne(executor, row))
    }
  })

  let pending = 0
  const counted = <T>(write: Promise<T>): Promise<T> => {
    pending++
    return write.finally(() => {
      pending--
    })
  }
  return {
    claim: (record, options) =>
      counted((options?.wait === 'committed' ? committedClaims : durableClaims)(record)),
    complete: (tenantId, id, deliveries, now) => counted(completions({ tenantId, id, deliveries, now })),
    preferences,
    pendingWrites: () => pending,
    close: () => group.close(),
  }
}
