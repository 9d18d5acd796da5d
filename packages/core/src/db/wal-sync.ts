import { open } from 'node:fs/promises'
import type { HostDatabase } from './host-database.js'
import { readSqliteSettings } from './sqlite-settings.js'

/** An open write-ahead log file that can be flushed to stable storage. */
export interface WalFile {
  /** `fdatasync` of the file: every frame written before the call is durable when it resolves. */
  sync(): Promise<void>
  close(): Promise<void>
}

/** Opens a `-wal` file for {@link WalFile.sync}. */
export async function openWalFile(path: string): Promise<WalFile> {
  const handle = await open(path, 'r+')
  return { sync: () => handle.datasync(), close: () => handle.close() }
}

interface SyncWaiter {
  resolve: () => void
  reject: (error: unknown) => void
}

/**
 * Syncs of the WAL allowed to run at once. A commit that lands while one sync runs starts its own
 * rather than waiting for it to end and then syncing again (on this machine that cut ~0.15 ms off
 * each durable write); beyond two, requests share the next sync so libuv's four threads stay free.
 */
const MAX_CONCURRENT_SYNCS = 2

/** Schedules `fdatasync`s of a WAL file for group commits. */
export interface WalSyncScheduler {
  /**
   * Resolves after an fdatasync that started after this call: at once on a free slot (a commit
   * does not wait out a sync already running), otherwise shared with every request that queued
   * while {@link MAX_CONCURRENT_SYNCS} were running.
   */
  request(file: WalFile): Promise<void>
  /** Syncs running now. */
  running(): number
}

/** A sync scheduler; `onSettled` runs whenever the last running sync ends with none queued. */
export function createWalSyncScheduler(onSettled: () => void): WalSyncScheduler {
  let running = 0
  let waiters: SyncWaiter[] = []
  const start = (file: WalFile, batch: SyncWaiter[]) => {
    running++
    file
      .sync()
      .then(
        () => {
          for (const waiter of batch) waiter.resolve()
        },
        (error: unknown) => {
          for (const waiter of batch) waiter.reject(error)
        },
      )
      .finally(() => {
        running--
        if (waiters.length > 0) {
          const next = waiters
          waiters = []
          start(file, next)
        } else onSettled()
      })
  }
  return {
    request: (file) =>
      new Promise<void>((resolve, reject) => {
        if (running < MAX_CONCURRENT_SYNCS) start(file, [{ resolve, reject }])
        else waiters.push({ resolve, reject })
      }),
    running: () => running,
  }
}

/** The database's WAL file, opened on first use when the database is a WAL-mode file. */
export interface LazyWalFile {
  /** The open file, or `null` when the database has no WAL file we can sync (then for good). */
  get(executor: HostDatabase): Promise<WalFile | null>
  /** True once the file is known to be unavailable (or closed). */
  unavailable(): boolean
  close(): Promise<void>
}

/**
 * Reads the journal mode and file once (WAL mode sticks to a file) and opens `<file>-wal`; a
 * rollback journal, an in-memory database or a file that cannot be opened means no WAL file.
 */
export function lazyWalFile(openWal: (path: string) => Promise<WalFile>): LazyWalFile {
  /** `undefined`: not tried yet; `null`: not available. */
  let wal: WalFile | null | undefined
  return {
    async get(executor) {
      if (wal !== undefined) return wal
      const found = await readSqliteSettings(executor)
      if (found.journalMode !== 'wal' || !found.file) {
        wal = null
        return wal
      }
      try {
        wal = await openWal(`${found.file}-wal`)
      } catch {
        wal = null
      }
      return wal
    },
    unavailable: () => wal === null,
    async close() {
      const file = wal
      wal = null
      await file?.close()
    },
  }
}
