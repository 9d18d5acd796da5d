import { CompiledQuery } from 'kysely'
import type { HostDatabase } from './host-database.js'
import { type Outcome, settleEach, settleWithOutcome } from './outcome.js'
import { createWalSyncScheduler, lazyWalFile, openWalFile, type WalFile } from './wal-sync.js'

export type { WalFile } from './wal-sync.js'

interface Pending {
  fn: (executor: HostDatabase) => Promise<unknown>
  /** Resolve once committed, without waiting for the fsync. */
  committedIsEnough: boolean
  resolve: (value: unknown) => void
  reject: (error: unknown) => void
}

/** Options for {@link createGroupCommit}. */
export interface GroupCommitOptions {
  /** Most writes in one transaction. @default 256 */
  maxBatch?: number | undefined
  /** Opens the database's `-wal` file for {@link WalFile.sync}; replaceable in tests. */
  openWal?: ((path: string) => Promise<WalFile>) | undefined
}

/** Options of {@link GroupCommit.run}. */
export interface GroupCommitRunOptions {
  /** What the returned promise waits for. @default 'durable' */
  wait?: 'durable' | 'committed' | undefined
}

/** Runs writes queued in the same turn of the event loop in one transaction (one fsync). */
export interface GroupCommit {
  /**
   * Queues a write; resolves with its result once the transaction holding it is durable, or, with
   * `{ wait: 'committed' }`, as soon as it is committed (visible to every connection and kept if
   * the process dies, though not yet across power loss when its fsync is still running).
   */
  run<T>(fn: (executor: HostDatabase) => Promise<T>, options?: GroupCommitRunOptions): Promise<T>
  /** Waits for queued writes and releases the WAL file handle. */
  close(): Promise<void>
}

const LEVEL = CompiledQuery.raw('PRAGMA main.synchronous')
const BEGIN = CompiledQuery.raw('BEGIN')
const COMMIT = CompiledQuery.raw('COMMIT')
const ROLLBACK = CompiledQuery.raw('ROLLBACK')
const NORMAL = CompiledQuery.raw('PRAGMA main.synchronous = NORMAL')
const restoreLevel = (level: number) => CompiledQuery.raw(`PRAGMA main.synchronous = ${level}`)

/**
 * Group commit for SQLite: concurrent writes share one transaction, so `synchronous=FULL` pays one
 * fsync per batch instead of one per write. A failing statement rolls back alone (SQLite's
 * statement-level abort) and rejects only its own caller; if the commit fails, every caller in
 * the batch is rejected and nothing of it is durable.
 *
 * In WAL mode with `synchronous` FULL or EXTRA, the fsync is taken off the event loop: the batch
 * commits with `synchronous=NORMAL` (set on the connection only for that transaction, the
 * connection held throughout, and set back right after), then the `-wal` file is `fdatasync`ed
 * on libuv's thread pool and the callers resolve only once that sync has completed. A commit's
 * frames are in the WAL before the sync starts, so each acknowledged write is as durable as with
 * FULL; meanwhile the next batch is written and synced.
 * Other modes (rollback journal, `synchronous` OFF/NORMAL, in-memory databases) commit as the host
 * configured them.
 */
export function createGroupCommit(db: HostDatabase, options: GroupCommitOptions = {}): GroupCommit {
  const maxBatch = options.maxBatch ?? 256
  const queue: Pending[] = []
  let scheduled = false
  let writing = false
  const wal = lazyWalFile(options.openWal ?? openWalFile)
  const syncs = createWalSyncScheduler(() => settleIdle())
  let idle: Array<() => void> = []

  /**
   * The WAL file and the level to restore when this batch may defer its fsync, `undefined` to
   * commit as configured. The level is read every batch, as it is the host's to change.
   */
  const deferrable = async (
    executor: HostDatabase,
  ): Promise<{ level: number; file: WalFile } | undefined> => {
    if (wal.unavailable()) return undefined
    const level = Number((await executor.executeQuery<{ synchronous: unknown }>(LEVEL)).rows[0]?.synchronous)
    if (!(level >= 2)) return undefined
    const file = await wal.get(executor)
    return file ? { level, file } : undefined
  }

  const settleIdle = () => {
    if (queue.length > 0 || writing || scheduled || syncs.running() > 0) return
    const waiting = idle
    idle = []
    for (const resolve of waiting) resolve()
  }

  const flush = async () => {
    scheduled = false
    writing = true
    const items = queue.splice(0, maxBatch)
    let outcomes: Array<Outcome<unknown>> = []
    let durable: WalFile | undefined
    try {
      await db.connection().execute(async (connection) => {
        const deferred = await deferrable(connection)
        if (deferred) await connection.executeQuery(NORMAL)
        try {
          await connection.executeQuery(BEGIN)
          try {
            outcomes = await settleEach(items, (item) => item.fn(connection))
            await connection.executeQuery(COMMIT)
          } catch (error) {
            await connection.executeQuery(ROLLBACK).catch(() => {})
            throw error
          }
        } finally {
          if (deferred) await connection.executeQuery(restoreLevel(deferred.level))
        }
        durable = deferred?.file
      })
      writing = false
      if (queue.length > 0) schedule()
      if (durable) {
        const sync = syncs.request(durable)
        items.forEach((item, index) => {
          if (item.committedIsEnough) settleWithOutcome(item, outcomes[index])
        })
        await sync
      }
    } catch (error) {
      writing = false
      if (queue.length > 0) schedule()
      for (const item of items) item.reject(error)
      settleIdle()
      return
    }
    items.forEach((item, index) => {
      if (!(durable && item.committedIsEnough)) settleWithOutcome(item, outcomes[index])
    })
    settleIdle()
  }
  const schedule = () => {
    if (scheduled || writing) return
    scheduled = true
    setImmediate(() => void flush())
  }
  return {
    run<T>(fn: (executor: HostDatabase) => Promise<T>, runOptions?: GroupCommitRunOptions): Promise<T> {
      return new Promise<T>((resolve, reject) => {
        queue.push({
          fn,
          committedIsEnough: runOptions?.wait === 'committed',
          resolve: resolve as (value: unknown) => void,
          reject,
        })
        schedule()
      })
    },
    async close() {
      await new Promise<void>((resolve) => {
        idle.push(resolve)
        settleIdle()
      })
      await wal.close()
    },
  }
}
