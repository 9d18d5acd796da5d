import { createHash } from 'node:crypto'
import type { HostDatabase, Logger } from '@opskit/core'
import { type Kysely, sql } from 'kysely'

/** Decides which of several monitor instances evaluates rules. */
export interface LeaderElector {
  /** Tries to become (or checks it still is) the leader. */
  isLeader(): Promise<boolean>
  /** Gives leadership up and returns the held connection. */
  release(): Promise<void>
  /** The evaluation interval (`isLeader()` is called about once per interval); leases follow it. */
  setInterval?(ms: number): void
}

/** Always the leader: one instance (SQLite, memory). */
export const soloLeader: LeaderElector = { isLeader: async () => true, release: async () => undefined }

/**
 * Leader election with a PostgreSQL session-level advisory lock held on one dedicated pooled
 * connection. When the leader's process dies its session ends and the lock is free; the next
 * `isLeader()` of another instance (one evaluation interval later) takes it.
 */
export function createAdvisoryLockElector(db: HostDatabase, name: string, logger: Logger): LeaderElector {
  const digest = createHash('sha256').update(`opskit-monitor:${name}`).digest()
  const key1 = 0x6f70736b // "opsk"
  const key2 = digest.readInt32BE(0)
  let session: { conn: Kysely<unknown>; release: () => void; done: Promise<void> } | undefined
  let leader = false

  const open = async () => {
    let release: () => void = () => undefined
    const hold = new Promise<void>((resolve) => {
      release = resolve
    })
    let resolveConn: (conn: Kysely<unknown>) => void = () => undefined
    let rejectConn: (error: unknown) => void = () => undefined
    const ready = new Promise<Kysely<unknown>>((resolve, reject) => {
      resolveConn = resolve
      rejectConn = reject
    })
    const done = db
      .connection()
      .execute(async (conn) => {
        resolveConn(conn as Kysely<unknown>)
        await hold
      })
      .then(
        () => undefined,
        (error: unknown) => rejectConn(error),
      )
    const conn = await ready
    session = { conn, release, done }
    return session
  }

  const drop = async () => {
    const s = session
    session = undefined
    leader = false
    if (s) {
      s.release()
      await s.done
    }
  }

  return {
    async isLeader() {
      try {
        const s = session ?? (await open())
        if (leader) {
          await sql`select 1`.execute(s.conn)
          return true
        }
        const result = await sql<{
          ok: boolean
        }>`select pg_try_advisory_lock(${key1}::int4, ${key2}::int4) as ok`.execute(s.conn)
        leader = result.rows[0]?.ok === true
        return leader
      } catch (error) {
        logger.warn({ err: error }, 'leader election: the lock session failed; retrying next interval')
        await drop()
        return false
      }
    },
    async release() {
      const s = session
      if (s && leader) {
        try {
          await sql`select pg_advisory_unlock(${key1}::int4, ${key2}::int4)`.execute(s.conn)
        } catch {
          // the session is gone: so is the lock
        }
      }
      await drop()
    },
  }
}
