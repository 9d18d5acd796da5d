import type { NotifyRetentionKind, RetentionBatchQuery } from '../store/notify-store.js'

/** One batch of expired records of a memory store's kind: how many it deleted. */
export type MemoryExpirer = (query: RetentionBatchQuery) => number

/** The expirers each method group of the memory store registers for its kinds. */
export type MemoryExpirers = Partial<Record<NotifyRetentionKind, MemoryExpirer>>

/** How {@link expireFrom} reads a kind's records. */
export interface ExpiryRule<T> {
  /** The time the cutoff compares with. */
  time: (row: T) => number
  /** Records that may go at all (`done` notifications, finished outbox rows). */
  eligible?: (row: T) => boolean
  /** The owner `keepLast` counts per (tenant and user). */
  owner?: (row: T) => string
  /** Called for each record deleted (to drop its index entries). */
  onDelete?: (row: T) => void
}

/** The keys of the newest `keepLast` records of each owner. */
function newestPerOwner<T>(rows: Map<string, T>, rule: ExpiryRule<T>, keepLast: number): Set<string> {
  const byOwner = new Map<string, Array<[string, T]>>()
  for (const entry of rows) {
    const owner = rule.owner?.(entry[1]) ?? ''
    const list = byOwner.get(owner) ?? []
    list.push(entry)
    byOwner.set(owner, list)
  }
  const kept = new Set<string>()
  for (const list of byOwner.values()) {
    list.sort((a, b) => rule.time(b[1]) - rule.time(a[1]) || (a[0] < b[0] ? 1 : -1))
    for (const [key] of list.slice(0, keepLast)) kept.add(key)
  }
  return kept
}

/** Deletes at most `query.limit` expired records from `rows` (a memory store's map). */
export function expireFrom<T extends { tenantId: string }>(
  rows: Map<string, T>,
  query: RetentionBatchQuery,
  rule: ExpiryRule<T>,
): number {
  const kept = query.keepLast === undefined ? undefined : newestPerOwner(rows, rule, query.keepLast)
  let deleted = 0
  for (const [key, row] of rows) {
    if (deleted >= query.limit) break
    if (query.tenantId !== undefined && row.tenantId !== query.tenantId) continue
    if (rule.eligible && !rule.eligible(row)) continue
    if (query.cutoff !== undefined && rule.time(row) >= query.cutoff) continue
    if (kept?.has(key)) continue
    rows.delete(key)
    rule.onDelete?.(row)
    deleted++
  }
  return deleted
}
