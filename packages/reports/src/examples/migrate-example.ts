import { type HostDatabase, migrate } from '@opskit/core'
import { exampleSchemaMigrations } from './schema.js'

/**
 * Creates the example schema (venues, events, orders, order_items, tickets, refunds) that the
 * built-in reports run on; idempotent. Its migration table is `opskit_example_migrations`.
 */
export async function migrateExampleSchema(db: HostDatabase): Promise<void> {
  await migrate(db, { namespace: 'example', migrations: () => exampleSchemaMigrations })
}
