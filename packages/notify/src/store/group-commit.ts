import type { HostDatabase } from '@opskit/core'

interface Pending {
  fn: (executor: HostDatabase) => Promise<unknown>
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

/** Runs writes queued in the same turn of the event loop in one transaction (one fsync). */
export interface GroupCommit {
  /** Queues a write; resolves with its result after the transaction holding it commits. */
  run<T>(fn: (executor: HostDatabase) => Promise<T>): Promise<T>
}

/**
 * Group commit for SQLite: concurrent writes share one transaction, so `synchronous=FULL` pays one
 * fsync per batch instead of one per write. A failing statement rolls back alone (SQLite's
 * statement-level abort) and rejects only its own caller; if the commit fails, every caller in
 * the batch is rejected and nothing of it is durable.
 */
export function createGroupCommit(db: HostDatabase, maxBatch = 256): GroupCommit {
  const queue: Pending[] = []
  let scheduled = false
  const flush = async () => {
    scheduled = false
    const items = queue.splice(0, maxBatch)
    if (queue.length > 0) schedule()
    const outcomes: Array<{ ok: true; value: unknown } | { ok: false; error: unknown }> = []
    try {
      await db.transaction().execute(async (trx) => {
        for (const item of items) {
          try {
            outcomes.push({ ok: true, value: await item.fn(trx) })
          } catch (error) {
            outcomes.push({ ok: false, error })
          }
        }
      })
    } catch (error) {
      for (const item of items) item.reject(error)
      return
    }
    items.forEach((item, index) => {
      const outcome = outcomes[index]
      if (outcome?.ok) item.resolve(outcome.value)
      else item.reject(outcome?.error)
    })
  }
  const schedule = () => {
    if (scheduled) return
    scheduled = true
    setImmediate(() => void flush())
  }
  return {
    run<T>(fn: (executor: HostDatabase) => Promise<T>): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({ fn, resolve: resolve as (value: unknown) => void, reject })
        schedule()
      })
    },
  }
}
