import { type HostDatabase, migrate } from '@opskit/core'
import type { Kysely, Migration } from 'kysely'
import { MlError } from '../errors/ml-error.js'
import type { ModelStore } from './model-store.js'

/** Options of {@link createDatabaseModelStore}. */
export interface DatabaseModelStoreOptions {
  /** Which model this store holds, e.g. `fraud` or `detector:checkout-latency`. */
  readonly key: string
  /** Prefix of the package's tables. @default 'opskit_' */
  readonly tablePrefix?: string
}

/** Migrations of `@opskit/ml`: one table of model documents keyed by name. */
export function mlMigrations(prefix: string): Record<string, Migration> {
  return {
    '001_models': {
      async up(db: Kysely<unknown>) {
        await db.schema
          .createTable(`${prefix}ml_models`)
          .addColumn('key', 'varchar(200)', (c) => c.primaryKey())
          .addColumn('document', 'text', (c) => c.notNull())
          .addColumn('updated_at', 'bigint', (c) => c.notNull())
          .execute()
      },
      async down(db: Kysely<unknown>) {
        await db.schema.dropTable(`${prefix}ml_models`).execute()
      },
    },
  }
}

/**
 * A {@link ModelStore} in the host's database (SQLite or PostgreSQL through its Kysely instance):
 * runs `@opskit/ml`'s migrations, then keeps one row per key, replaced atomically on write.
 */
export async function createDatabaseModelStore(
  db: HostDatabase,
  options: DatabaseModelStoreOptions,
): Promise<ModelStore> {
  if (typeof options?.key !== 'string' || options.key.length === 0 || options.key.length > 200) {
    throw new MlError('ML_INVALID_INPUT', 'key must be a string of 1 to 200 characters')
  }
  const prefix = options.tablePrefix ?? 'opskit_'
  try {
    await migrate(db, { namespace: 'ml', migrations: mlMigrations, tablePrefix: prefix })
  } catch (cause) {
    throw new MlError('ML_MODEL_IO_FAILED', 'cannot migrate the ml tables', { cause })
  }
  const table = `${prefix}ml_models`
  return {
    async read() {
      try {
        const row = await db
          .selectFrom(table)
          .select('document')
          .where('key', '=', options.key)
          .executeTakeFirst()
        return row ? String((row as { document: string }).document) : undefined
      } catch (cause) {
        throw new MlError('ML_MODEL_IO_FAILED', `cannot read model ${options.key}`, { cause })
      }
    },
    async write(document) {
      try {
        await db
          .insertInto(table)
          .values({ key: options.key, document, updated_at: Date.now() })
          .onConflict((oc) => oc.column('key').doUpdateSet({ document, updated_at: Date.now() }))
          .execute()
      } catch (cause) {
        throw new MlError('ML_MODEL_IO_FAILED', `cannot write model ${options.key}`, { cause })
      }
    },
  }
}
