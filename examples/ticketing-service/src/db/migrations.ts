import type { MigrationSet } from '@opskit/core'
import { type Kysely, sql } from 'kysely'

// The host's own schema, run through @opskit/core's `migrate` like any opskit package's.
// Migrations receive an untyped Kysely: they describe the schema, they do not read it.
// biome-ignore lint/suspicious/noExplicitAny: Kysely's Migration signature is Kysely<any>.
type AnyDb = Kysely<any>

/** The ticketing service's migrations (namespace `ticketing`, table prefix `tix_`). */
export const ticketingMigrations: MigrationSet = (p) => ({
  '0001_users_sessions': {
    async up(db: AnyDb) {
      await db.schema
        .createTable(`${p}users`)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('email', 'text', (c) => c.notNull().unique())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('password_hash', 'text', (c) => c.notNull())
        .addColumn('role', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable(`${p}sessions`)
        .addColumn('token_hash', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references(`${p}users.id`))
        .addColumn('csrf_token', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .execute()
    },
  },
  '0002_events_orders': {
    async up(db: AnyDb) {
      await db.schema
        .createTable(`${p}events`)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('name', 'text', (c) => c.notNull())
        .addColumn('venue', 'text', (c) => c.notNull())
        .addColumn('starts_at', 'text', (c) => c.notNull())
        .addColumn('capacity', 'integer', (c) => c.notNull())
        .addColumn('sold', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('price_cents', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addCheckConstraint(`${p}events_sold_within_capacity`, sql`sold >= 0 and sold <= capacity`)
        .execute()
      await db.schema
        .createTable(`${p}orders`)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('user_id', 'text', (c) => c.notNull().references(`${p}users.id`))
        .addColumn('event_id', 'text', (c) => c.notNull().references(`${p}events.id`))
        .addColumn('status', 'text', (c) => c.notNull())
        .addColumn('total_cents', 'integer', (c) => c.notNull())
        .addColumn('ip', 'text', (c) => c.notNull())
        .addColumn('user_agent', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable(`${p}order_items`)
        .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
        .addColumn('order_id', 'text', (c) => c.notNull().references(`${p}orders.id`))
        .addColumn('event_id', 'text', (c) => c.notNull().references(`${p}events.id`))
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('unit_price_cents', 'integer', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable(`${p}tickets`)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('order_id', 'text', (c) => c.notNull().references(`${p}orders.id`))
        .addColumn('event_id', 'text', (c) => c.notNull().references(`${p}events.id`))
        .addColumn('status', 'text', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable(`${p}refunds`)
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('order_id', 'text', (c) => c.notNull().unique().references(`${p}orders.id`))
        .addColumn('amount_cents', 'integer', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .execute()
      await db.schema.createIndex(`${p}orders_user`).on(`${p}orders`).column('user_id').execute()
      await db.schema.createIndex(`${p}orders_created`).on(`${p}orders`).column('created_at').execute()
    },
  },
  '0003_user_phone': {
    async up(db: AnyDb) {
      await db.schema.alterTable(`${p}users`).addColumn('phone', 'text').execute()
    },
  },
})
