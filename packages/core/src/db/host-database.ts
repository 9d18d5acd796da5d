import type { Kysely } from 'kysely'

/**
 * The host's Kysely instance, whatever its own table types: opskit stores take it as it is and
 * address only their own (prefixed) tables. This is the one place opskit's public types use
 * `any`, as Kysely's own docs do for code that is generic over the host's schema.
 */
// biome-ignore lint/suspicious/noExplicitAny: the host's schema is unknown to opskit by design
export type HostDatabase = Kysely<any>

/** SQL dialects opskit stores know how to speak. */
export type Dialect = 'sqlite' | 'postgres' | 'mysql'

/**
 * Which dialect a Kysely instance speaks, read from its adapter, so stores can choose
 * `FOR UPDATE SKIP LOCKED` on PostgreSQL and a lease on SQLite.
 */
export function dialectOf(db: HostDatabase): Dialect {
  const adapter = db.getExecutor().adapter
  const name = adapter.constructor.name.toLowerCase()
  if (name.includes('postgres')) return 'postgres'
  if (name.includes('sqlite')) return 'sqlite'
  if (name.includes('mysql')) return 'mysql'
  if (adapter.supportsReturning && adapter.supportsTransactionalDdl) return 'postgres'
  if (adapter.supportsReturning) return 'sqlite'
  return 'mysql'
}
