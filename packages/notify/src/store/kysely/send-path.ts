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

/** The store's reads and writes on the path of every send. */
export interface SendPath {
  /** The idempotency claim: `false` when the key is taken. */
  claim(record: NotificationRecord, options?: { wait?: 'durable' | 'committed' }): Promise<boolean>
  /** The delivery log: final deliveries, state `done`, provider message ids indexed. */
  complete(id: string, deliveries: Delivery[], now: number): Promise<void>
  /** A user's stored preferences (JSON text). */
  preferences(userId: string): Promise<string | undefined>
  close(): Promise<void>
}

/** Most rows in one multi-row statement (8 parameters each stays far below SQLite's limit). */
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
  const columns = 'id, idempotency_key, user_id, category, state, deliveries, created_at, updated_at'
  return {
    /** Inserts `count` notifications, skipping taken keys; returns the ids inserted. */
    insertNotifications: cached(
      (count) =>
        `INSERT INTO "${t.notifications}" (${columns}) VALUES ${rows(count, 8)} ON CONFLICT (idempotency_key) DO NOTHING RETURNING id`,
    ),
    /** Completes `count` notifications: (id, deliveries, updated_at) rows joined by id (SQLite 3.33+). */
    completeNotifications: cached(
      (count) =>
        `UPDATE "${t.notifications}" SET state = 'done', deliveries = v.column2, updated_at = v.column3 FROM (VALUES ${rows(count, 3)}) AS v WHERE "${t.notifications}".id = v.column1`,
    ),
    completeNotification: `UPDATE "${t.notifications}" SET state = 'done', deliveries = ${placeholder(dialect, 1)}, updated_at = ${placeholder(dialect, 2)} WHERE id = ${placeholder(dialect, 3)}`,
    /** Indexes `count` provider message ids (provider, id, notification) for receipts. */
    linkMessages: cached(
      (count) =>
        `INSERT INTO "${t.providerMessages}" (provider, provider_message_id, notification_id) VALUES ${rows(count, 3)} ON CONFLICT (provider, provider_message_id) DO NOTHING`,
    ),
    /** Preferences of `count` users. */
    preferences: cached(
      (count) => `SELECT user_id, preferences FROM "${t.preferences}" WHERE user_id IN ${rows(1, count)}`,
    ),
  }
}

const claimParameters = (record: NotificationRecord): unknown[] => [
  record.id,
  record.idempotencyKey,
  record.userId ?? null,
  record.category ?? null,
  record.state,
  JSON.stringify(record.deliveries),
  record.createdAt,
  record.updatedAt,
]

/** Provider message ids of deliveries, flattened as (provider, provider_message_id, notification_id). */
function links(id: string, deliveries: readonly Delivery[]): unknown[] {
  const values: unknown[] = []
  for (const delivery of deliveries) {
    if (delivery.providerMessageId && delivery.provider)
      values.push(delivery.provider, delivery.providerMessageId, id)
  }
  return values
}

/**
 * Reads preferences in batches: the users asked for in the same turn of the event loop (the sends
 * that a finished batch of writes let go on) are read with one `IN (…)` query.
 */
function createPreferencesLoader(db: HostDatabase, statement: (count: number) => string) {
  type Caller = { resolve: (value: string | undefined) => void; reject: (error: unknown) => void }
  let waiting: Map<string, Caller[]> | undefined
  const load = async (batch: Map<string, Caller[]>) => {
    const userIds = [...batch.keys()]
    try {
      const found = new Map<string, string>()
      for (let start = 0; start < userIds.length; start += CHUNK) {
        const chunk = userIds.slice(start, start + CHUNK)
        const { rows } = await db.executeQuery<{ user_id: unknown; preferences: unknown }>(
          CompiledQuery.raw(statement(chunk.length), chunk),
        )
        for (const row of rows) found.set(String(row.user_id), String(row.preferences))
      }
      for (const [userId, callers] of batch) for (const caller of callers) caller.resolve(found.get(userId))
    } catch (error) {
      for (const callers of batch.values()) for (const caller of callers) caller.reject(error)
    }
  }
  return (userId: string) =>
    new Promise<string | undefined>((resolve, reject) => {
      if (!waiting) {
        const batch = new Map<string, Caller[]>()
        waiting = batch
        queueMicrotask(() => {
          waiting = undefined
          void load(batch)
        })
      }
      const callers = waiting.get(userId)
      if (callers) callers.push({ resolve, reject })
      else waiting.set(userId, [{ resolve, reject }])
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
      CompiledQuery.raw(text.insertNotifications(1), claimParameters(record)),
    )
    return rows.length > 0
  }
  const completeOne = async (executor: HostDatabase, id: string, deliveries: Delivery[], now: number) => {
    await executor.executeQuery(
      CompiledQuery.raw(text.completeNotification, [JSON.stringify(deliveries), now, id]),
    )
    const values = links(id, deliveries)
    if (values.length > 0)
      await executor.executeQuery(CompiledQuery.raw(text.linkMessages(values.length / 3), values))
  }

  if (dialect === 'postgres') {
    return {
      claim: (record) => insertOne(db, record),
      complete: (id, deliveries, now) => completeOne(db, id, deliveries, now),
      preferences,
      close: async () => {},
    }
  }

  const group = createGroupCommit(db)
  const insertMany = async (executor: HostDatabase, records: NotificationRecord[]) => {
    try {
      const inserted = new Set<string>()
      for (let start = 0; start < records.length; start += CHUNK) {
        const chunk = records.slice(start, start + CHUNK)
        const { rows } = await executor.executeQuery<{ id: unknown }>(
          CompiledQuery.raw(text.insertNotifications(chunk.length), chunk.flatMap(claimParameters)),
        )
        for (const row of rows) inserted.add(String(row.id))
      }
      return records.map((record): Outcome<boolean> => ({ ok: true, value: inserted.has(record.id) }))
    } catch {
      // a failed statement rolled back alone: find the row at fault, one statement each
      return settleEach(records, (record) => insertOne(executor, record))
    }
  }
  const durableClaims = createStatementBatch(group, insertMany)
  const committedClaims = createStatementBatch(group, insertMany, { wait: 'committed' })

  type Completion = { id: string; deliveries: Delivery[]; now: number }
  const completions = createStatementBatch<Completion, void>(group, async (executor, rows) => {
    // one notification twice in a group (a stale sender and its successor) keeps the per-row order
    if (new Set(rows.map((row) => row.id)).size < rows.length) {
      return settleEach(rows, (row) => completeOne(executor, row.id, row.deliveries, row.now))
    }
    try {
      for (let start = 0; start < rows.length; start += CHUNK) {
        const chunk = rows.slice(start, start + CHUNK)
        await executor.executeQuery(
          CompiledQuery.raw(
            text.completeNotifications(chunk.length),
            chunk.flatMap((row) => [row.id, JSON.stringify(row.deliveries), row.now]),
          ),
        )
      }
      const values = rows.flatMap((row) => links(row.id, row.deliveries))
      for (let start = 0; start < values.length; start += CHUNK * 3) {
        const chunk = values.slice(start, start + CHUNK * 3)
        await executor.executeQuery(CompiledQuery.raw(text.linkMessages(chunk.length / 3), chunk))
      }
      return rows.map((): Outcome<void> => ({ ok: true, value: undefined }))
    } catch {
      // a failed statement rolled back alone: find the row at fault, one statement each
      return settleEach(rows, (row) => completeOne(executor, row.id, row.deliveries, row.now))
    }
  })

  return {
    claim: (record, options) => (options?.wait === 'committed' ? committedClaims : durableClaims)(record),
    complete: (id, deliveries, now) => completions({ id, deliveries, now }),
    preferences,
    close: () => group.close(),
  }
}
