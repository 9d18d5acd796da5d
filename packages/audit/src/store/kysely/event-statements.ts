import { type Dialect, placeholder, placeholderRows } from '@opskit/core/sql'
import type { StoredCheckpoint, StoredEventRow } from '../audit-store.js'

/** Columns of the events table, in the order {@link pushEventParameters} binds them. */
export const EVENT_COLUMNS = [
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

/** Appends a row's values to `out`, in {@link EVENT_COLUMNS} order. */
export function pushEventParameters(out: unknown[], row: StoredEventRow): void {
  writeEventParameters(out, out.length, row)
}

/**
 * Writes a row's values into `out` from index `at` on, in {@link EVENT_COLUMNS} order, over what
 * an earlier use left there (from 0 up, so the array stays packed); returns the index after them.
 */
export function writeEventParameters(out: unknown[], at: number, row: StoredEventRow): number {
  out[at] = row.chainId
  out[at + 1] = row.seq
  out[at + 2] = row.id
  out[at + 3] = row.tenantId
  out[at + 4] = row.occurredAt
  out[at + 5] = row.recordedAt
  out[at + 6] = row.actorId
  out[at + 7] = row.action
  out[at + 8] = row.category
  out[at + 9] = row.outcome
  out[at + 10] = row.severity
  out[at + 11] = row.targetType
  out[at + 12] = row.targetId
  out[at + 13] = row.body
  out[at + 14] = row.leafHash
  out[at + 15] = row.prevHash
  out[at + 16] = row.hash
  return at + EVENT_COLUMNS.length
}

/** Most rows per multi-row INSERT on SQLite (32,766 parameters per statement). */
export const SQLITE_INSERT_CHUNK = 500

/** The events table's integer columns; every other column takes text. */
const BIGINT_COLUMNS: ReadonlySet<string> = new Set(['seq', 'occurred_at', 'recorded_at'])

/**
 * PostgreSQL's bulk INSERT: one array parameter per column, zipped by `unnest`, so any number of
 * rows is one statement of 17 parameters. PostgreSQL parses and plans it in a moment, where a
 * 1,000-row VALUES list of 17,000 parameters took about twice as long to run (bench/RESULTS.md).
 */
export function insertEventsUnnestStatement(table: string): string {
  const arrays = EVENT_COLUMNS.map(
    (column, i) => `$${i + 1}::${BIGINT_COLUMNS.has(column) ? 'bigint' : 'text'}[]`,
  )
  return `INSERT INTO ${table} (${EVENT_COLUMNS.join(', ')}) SELECT * FROM unnest(${arrays.join(', ')})`
}

/** The parameters of {@link insertEventsUnnestStatement}: one array per column, in row order. */
export function eventColumnArrays(rows: readonly StoredEventRow[]): unknown[][] {
  const columns: unknown[][] = EVENT_COLUMNS.map(() => [])
  const values: unknown[] = []
  for (const row of rows) {
    values.length = 0
    pushEventParameters(values, row)
    for (let c = 0; c < values.length; c++) (columns[c] as unknown[]).push(values[c])
  }
  return columns
}

/**
 * Multi-row INSERT text for `rows` rows, cached per size: the hot path skips Kysely's query
 * builder (building and compiling ~17 nodes per value costs more than SQLite's insert itself).
 */
export function insertEventsStatement(
  table: string,
  dialect: Dialect,
  rows: number,
  cache: Map<number, string>,
): string {
  let text = cache.get(rows)
  if (text) return text
  text = `INSERT INTO ${table} (${EVENT_COLUMNS.join(', ')}) VALUES ${placeholderRows(dialect, rows, EVENT_COLUMNS.length)}`
  if (cache.size > 64) cache.clear()
  cache.set(rows, text)
  return text
}

/**
 * Locks a chain's head by moving its `last_seq` on by the events about to be written, creating
 * the row at the genesis hash when the chain is new. Parameters: chain id, count, genesis hash.
 * Returns `last_seq` (after the move) and `last_hash` (still the old head's). As the first
 * statement of a write transaction it takes SQLite's write lock, or PostgreSQL's row lock.
 */
export function lockHeadStatement(table: string, dialect: Dialect): string {
  const p = (i: number) => placeholder(dialect, i)
  return `INSERT INTO ${table} (chain_id, last_seq, last_hash) VALUES (${p(1)}, ${p(2)}, ${p(3)})
    ON CONFLICT (chain_id) DO UPDATE SET last_seq = ${table}.last_seq + excluded.last_seq
    RETURNING last_seq, last_hash`
}

/** Sets a locked chain's head hash once its events are in. Parameters: hash, chain id, last seq. */
export function moveHeadStatement(table: string, dialect: Dialect): string {
  const p = (i: number) => placeholder(dialect, i)
  return `UPDATE ${table} SET last_hash = ${p(1)} WHERE chain_id = ${p(2)} AND last_seq = ${p(3)}`
}

/**
 * Reads a chain's head, for a writer that already holds the write lock (the SQLite writer
 * thread inside `BEGIN IMMEDIATE`). Parameter: chain id. Returns `last_seq`, `last_hash`.
 */
export function readHeadStatement(table: string, dialect: Dialect): string {
  return `SELECT last_seq, last_hash FROM ${table} WHERE chain_id = ${placeholder(dialect, 1)}`
}

/** Sets a chain's head, under the write lock. Parameters: last seq, last hash, chain id. */
export function setHeadStatement(table: string, dialect: Dialect): string {
  const p = (i: number) => placeholder(dialect, i)
  return `UPDATE ${table} SET last_seq = ${p(1)}, last_hash = ${p(2)} WHERE chain_id = ${p(3)}`
}

/** Reads subject keys whose `column` is one of `count` values: `subject_id, key_id, key`. */
export function selectKeysStatement(
  table: string,
  dialect: Dialect,
  column: 'subject_id' | 'key_id',
  count: number,
): string {
  return `SELECT subject_id, key_id, key FROM ${table} WHERE ${column} IN ${placeholderRows(dialect, 1, count)}`
}

/**
 * Stores `count` new subject keys unless their subject has one already (a concurrent writer may
 * have made it first: read the keys back afterwards). Parameters per key: subject id, key id,
 * key (base64), created at.
 */
export function insertKeysStatement(table: string, dialect: Dialect, count: number): string {
  return `INSERT INTO ${table} (subject_id, key_id, key, created_at) VALUES ${placeholderRows(dialect, count, 4)} ON CONFLICT (subject_id) DO NOTHING`
}

/** Keeps a checkpoint unless one of that chain and seq is there. Parameters: chain, seq, hash, text, created at. */
export function insertCheckpointStatement(table: string, dialect: Dialect): string {
  return `INSERT INTO ${table} (chain_id, seq, hash, text, created_at) VALUES ${placeholderRows(dialect, 1, 5)} ON CONFLICT (chain_id, seq) DO NOTHING`
}

/** The parameters of {@link insertCheckpointStatement} for a checkpoint. */
export function checkpointParameters(checkpoint: StoredCheckpoint): unknown[] {
  return [checkpoint.chainId, checkpoint.seq, checkpoint.hash, checkpoint.text, checkpoint.createdAt]
}
