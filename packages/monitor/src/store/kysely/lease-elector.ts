import { type HostDatabase, type Logger, uuidv7 } from '@opskit/core'
import type { LeaderElector } from './leader-election.js'

/** The shortest lease, whatever the interval. */
const MIN_LEASE_MS = 1000

/**
 * Leader election with a lease row in `<prefix>monitor_leader` (SQLite, where several processes
 * share one database file and there are no advisory locks): the holder renews it at every
 * `isLeader()`; another instance takes it once it has expired (3 evaluation intervals, at least
 * 1 s, after the holder's last renewal), so a killed leader is replaced within about that. Lease
 * times are the machine's wall clock, which processes on one file share.
 */
export function createLeaseElector(
  db: HostDatabase,
  table: string,
  name: string,
  logger: Logger,
): LeaderElector {
  const holder = uuidv7()
  let leaseMs = MIN_LEASE_MS
  return {
    setInterval(ms) {
      leaseMs = Math.max(MIN_LEASE_MS, 3 * ms)
    },
    async isLeader() {
      try {
        const now = Date.now()
        const expiresAt = now + leaseMs
        await db
          .insertInto(table)
          .values({ name, holder, expires_at: expiresAt })
          .onConflict((oc) =>
            oc
              .column('name')
              .doUpdateSet({ holder, expires_at: expiresAt })
              .where((eb) =>
                eb.or([eb(`${table}.holder`, '=', holder), eb(`${table}.expires_at`, '<', now)]),
              ),
          )
          .execute()
        const row = (await db
          .selectFrom(table)
          .select('holder')
          .where('name', '=', name)
          .executeTakeFirst()) as { holder: string } | undefined
        return row?.holder === holder
      } catch (error) {
        logger.warn({ err: error }, 'leader election: the lease could not be renewed; retrying next interval')
        return false
      }
    },
    async release() {
      try {
        await db.deleteFrom(table).where('name', '=', name).where('holder', '=', holder).execute()
      } catch (error) {
        logger.warn({ err: error }, 'leader election: the lease could not be released; it expires by itself')
      }
    },
  }
}
