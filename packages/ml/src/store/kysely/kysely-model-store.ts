import { DEFAULT_TABLE_PREFIX, type HostDatabase, type Logger, migrate, noopLogger } from '@opskit/core'
import { MlError } from '../../errors/ml-error.js'
import type { ModelStore } from '../model-store.js'
import { mlMigrations } from './migrations.js'

/** Options of {@link createKyselyModelStore}. */
export interface KyselyModelStoreOptions {
  /** The host's Kysely instance (SQLite or PostgreSQL); the store never closes it. */
  readonly db: HostDatabase
  /** Which model this store holds, e.g. `fraud` or `detector:checkout-latency` (1 to 200 characters). */
  readonly key: string
  /** Prefix of the package's tables. @default DEFAULT_TABLE_PREFIX ('opskit_') */
  readonly tablePrefix?: string
  /** Where failed reads and writes are logged before they throw. @default noopLogger */
  readonly logger?: Logger
}

/**
 * A {@link ModelStore} in the host's database: runs `@opskit/ml`'s migrations before it resolves,
 * then keeps one row per key, replaced atomically on write. `close()` only stops this store; the
 * host's `db` stays open.
 */
export async function createKyselyModelStore(options: KyselyModelStoreOptions): Promise<ModelStore> {
  const { db, key } = options ?? ({} as KyselyModelStoreOptions)
  if (typeof db?.selectFrom !== 'function') {
    throw new MlError('ML_INVALID_OPTIONS', 'createKyselyModelStore: db must be a Kysely instance')
  }
  if (typeof key !== 'string' || key.length === 0 || key.length > 200) {
    throw new MlError(
      'ML_INVALID_OPTIONS',
      'createKyselyModelStore: key must be a string of 1 to 200 characters',
    )
  }
  const prefix = options.tablePrefix ?? DEFAULT_TABLE_PREFIX
  const logger = options.logger ?? noopLogger
  try {
    await migrate(db, { namespace: 'ml', migrations: mlMigrations, tablePrefix: prefix })
  } catch (cause) {
    throw new MlError('ML_MODEL_IO_FAILED', 'cannot migrate the ml tables', { cause })
  }
  const table = `${prefix}ml_models`
  let closed = false
  const failed = (action: string, cause: unknown): MlError => {
    logger.warn({ err: cause, key }, `@opskit/ml: cannot ${action} model`)
    return new MlError('ML_MODEL_IO_FAILED', `cannot ${action} model ${key}`, { cause })
  }
  const open = (action: string): void => {
    if (closed) throw new MlError('ML_MODEL_IO_FAILED', `cannot ${action} model ${key}: the store is closed`)
  }
  return {
    async read() {
      open('read')
      try {
        const row = await db.selectFrom(table).select('document').where('key', '=', key).executeTakeFirst()
        return row ? String((row as { document: string }).document) : undefined
      } catch (cause) {
        throw failed('read', cause)
      }
    },
    async write(document) {
      open('write')
      try {
        await db
          .insertInto(table)
          .values({ key, document, updated_at: Date.now() })
          .onConflict((oc) => oc.column('key').doUpdateSet({ document, updated_at: Date.now() }))
          .execute()
      } catch (cause) {
        throw failed('write', cause)
      }
    },
    async close() {
      closed = true
    },
  }
}
