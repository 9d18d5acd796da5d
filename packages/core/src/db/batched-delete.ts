/** Options of {@link deleteInBatches}. */
export interface BatchedDeleteOptions {
  /** Rows in the first batch. @default 500 */
  initialBatch?: number
  /** Smallest and largest batch. @default 50 and 5,000 */
  minBatch?: number
  maxBatch?: number
  /**
   * How long one batch (one short transaction) may take: a slower batch halves the next, a batch
   * under half of it doubles the next. On SQLite this bounds how long the write lock is held.
   * @default 20
   */
  targetBatchMs?: number
  /**
   * Whether other writers are waiting for the database right now (a store's queued writes, say).
   * Asked before each batch; while it answers true, the batch is sized from the rate the previous
   * batch deleted at to take about `busyTargetBatchMs` (the first, with no rate yet, is `minBatch`),
   * so a waiting writer is held up by a short batch rather than one sized for an idle database.
   * Once it answers false the usual halving and doubling resume from there. Without it every
   * batch aims at `targetBatchMs`.
   */
  writersWaiting?: () => boolean
  /** How long one batch may take while `writersWaiting()` answers true. @default targetBatchMs / 10 */
  busyTargetBatchMs?: number
  /** Stops between batches (the rows deleted so far stay deleted). */
  signal?: AbortSignal
  /** Milliseconds now (tests pass a fake). @default performance.now */
  now?: () => number
}

/** Lets queued I/O and timers run: other writers take the lock between two batches. */
const yieldToOthers = (): Promise<void> => new Promise((resolve) => setImmediate(resolve))

/**
 * Deletes rows in short batches until a batch comes back short: `deleteBatch(limit)` deletes at
 * most `limit` rows in its own transaction and resolves to how many it deleted. The batch size
 * adapts so each batch takes about `targetBatchMs`, and the event loop is yielded between
 * batches, so a long purge never holds SQLite's write lock for more than a few tens of
 * milliseconds and never keeps PostgreSQL row locks for long; with `writersWaiting`, batches
 * shrink to `busyTargetBatchMs` while writers wait. Resolves to the total deleted.
 *
 * @example
 * ```ts
 * await deleteInBatches((limit) =>
 *   db.deleteFrom('deliveries').where('id', 'in', (q) =>
 *     q.selectFrom('deliveries').select('id').where('created_at', '<', cutoff).limit(limit),
 *   ).executeTakeFirst().then((r) => Number(r.numDeletedRows)))
 * ```
 */
export async function deleteInBatches(
  deleteBatch: (limit: number) => Promise<number>,
  options: BatchedDeleteOptions = {},
): Promise<number> {
  const minBatch = options.minBatch ?? 50
  const maxBatch = options.maxBatch ?? 5_000
  const targetMs = options.targetBatchMs ?? 20
  const now = options.now ?? (() => performance.now())
  const busyTargetMs = options.busyTargetBatchMs ?? targetMs / 10
  const clamp = (size: number) => Math.min(maxBatch, Math.max(minBatch, Math.floor(size)))
  let batch = clamp(options.initialBatch ?? 500)
  /** Rows per millisecond of the last batch; `undefined` before the first. */
  let rowsPerMs: number | undefined
  let total = 0
  for (;;) {
    options.signal?.throwIfAborted()
    if (options.writersWaiting?.())
      batch = rowsPerMs === undefined ? minBatch : clamp(rowsPerMs * busyTargetMs)
    const started = now()
    const deleted = await deleteBatch(batch)
    const tookMs = now() - started
    total += deleted
    if (deleted < batch) return total
    rowsPerMs = tookMs > 0 ? deleted / tookMs : Number.POSITIVE_INFINITY
    if (tookMs > targetMs) batch = Math.max(minBatch, Math.floor(batch / 2))
    else if (tookMs < targetMs / 2) batch = Math.min(maxBatch, batch * 2)
    await yieldToOthers()
  }
}
