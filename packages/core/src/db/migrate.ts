import { type Migration, Migrator } from 'kysely'
import { CoreError } from '../errors/opskit-error.js'
import { dialectOf, type HostDatabase } from './host-database.js'

/** The default prefix of every opskit table. */
export const DEFAULT_TABLE_PREFIX = 'opskit_'

/** A package's migrations, built for a table prefix (names sort in the order they run). */
export type MigrationSet = (tablePrefix: string) => Record<string, Migration>

/** Options for {@link migrate}. */
export interface MigrateOptions {
  /** The package's name, e.g. `audit`: each package keeps its own migration table. */
  namespace: string
  /** The package's migrations. */
  migrations: MigrationSet
  /** Prefix of every table the package creates. @default 'opskit_' */
  tablePrefix?: string | undefined
}

/** What {@link migrate} did. */
export interface MigrateResult {
  /** Names of the migrations that ran now (empty when the schema was already current). */
  applied: string[]
}

/** Whether a table prefix is safe to splice into SQL identifiers. */
export function assertTablePrefix(prefix: string): string {
  if (!/^[a-z][a-z0-9_]{0,30}$/.test(prefix)) {
    throw new CoreError(
      'CORE_INVALID_ARGUMENT',
      `table prefix "${prefix}" must match /^[a-z][a-z0-9_]{0,30}$/`,
    )
  }
  return prefix
}

/**
 * Brings a package's tables up to date on the host's database with Kysely's `Migrator`, using
 * one migration table per package (`<prefix><namespace>_migrations`) and its lock. Idempotent:
 * running it again applies nothing; concurrent runs are serialised by Kysely's migration lock.
 *
 * @example
 * ```ts
 * await migrate(db, { namespace: 'audit', migrations: auditMigrations, tablePrefix: 'opskit_' })
 * ```
 */
export async function migrate(db: HostDatabase, options: MigrateOptions): Promise<MigrateResult> {
  const prefix = assertTablePrefix(options.tablePrefix ?? DEFAULT_TABLE_PREFIX)
  const namespace = assertTablePrefix(options.namespace)
  const migrations = options.migrations(prefix)
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    migrationTableName: `${prefix}${namespace}_migrations`,
    migrationLockTableName: `${prefix}${namespace}_migrations_lock`,
  })
  // Kysely takes no migration lock on SQLite (one connection per Kysely instance), but several
  // host processes may share one file. Migrations run in a transaction there and SQLite lets one
  // writer through, so a loser's attempt fails and rolls back whole; it then re-reads the
  // migration table and finds the work done.
  const attempts = dialectOf(db) === 'sqlite' ? 5 : 1
  let outcome = await migrator.migrateToLatest()
  for (let attempt = 1; outcome.error && attempt < attempts; attempt++) {
    await new Promise((resolve) => setTimeout(resolve, 20 * attempt))
    outcome = await migrator.migrateToLatest()
  }
  const { error, results } = outcome
  if (error) {
    const failed = results?.find((result) => result.status === 'Error')?.migrationName
    throw new CoreError(
      'CORE_MIGRATION_FAILED',
      `migrating ${namespace} failed${failed ? ` at ${failed}` : ''}`,
      {
        cause: error,
        details: { namespace, migration: failed },
      },
    )
  }
  return {
    applied: (results ?? [])
      .filter((result) => result.status === 'Success')
      .map((result) => result.migrationName),
  }
}
