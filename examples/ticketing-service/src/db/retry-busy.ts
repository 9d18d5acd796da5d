/**
 * Runs a transaction again when SQLite reports the database busy. In WAL mode a deferred
 * transaction that read first cannot take the write lock once another connection (the audit
 * writer thread) has committed since its read: SQLite answers `SQLITE_BUSY_SNAPSHOT` at once,
 * without waiting on the busy timeout. The whole transaction is safe to run again.
 */
export async function retryOnBusy<T>(run: () => Promise<T>, attempts = 5): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await run()
    } catch (error) {
      const code = (error as { code?: unknown } | null)?.code
      const busy = typeof code === 'string' && code.startsWith('SQLITE_BUSY')
      if (!busy || attempt >= attempts) throw error
      await new Promise((resolve) => setTimeout(resolve, 5 * attempt + Math.random() * 10))
    }
  }
}
