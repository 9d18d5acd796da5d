import type { Kysely, Migration } from 'kysely'

/**
 * The documented example schema the built-in reports run on (a ticketing/commerce platform).
 * Instants are epoch milliseconds (`bigint`), money is integer cents, so the same SQL runs on
 * SQLite and PostgreSQL:
 *
 * - `venues(id, name, city, capacity)`
 * - `events(id, venue_id, name, starts_at, capacity)`
 * - `orders(id, customer_email, status 'paid'|'cancelled'|'pending', currency, total_cents, created_at)`
 * - `order_items(id, order_id, event_id, ticket_type, quantity, unit_price_cents)`
 * - `tickets(id, order_item_id, event_id, status 'issued'|'checked_in'|'void', checked_in_at)`
 * - `refunds(id, order_id, amount_cents, reason, created_at)`
 */
export const exampleSchemaMigrations: Record<string, Migration> = {
  '0001_example_schema': {
    async up(db: Kysely<unknown>) {
      await db.schema
        .createTable('venues')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('name', 'varchar(200)', (c) => c.notNull())
        .addColumn('city', 'varchar(100)', (c) => c.notNull())
        .addColumn('capacity', 'integer', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('events')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('venue_id', 'integer', (c) => c.notNull().references('venues.id'))
        .addColumn('name', 'varchar(200)', (c) => c.notNull())
        .addColumn('starts_at', 'bigint', (c) => c.notNull())
        .addColumn('capacity', 'integer', (c) => c.notNull())
        .execute()
      await db.schema
        .createTable('orders')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('customer_email', 'varchar(200)', (c) => c.notNull())
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('currency', 'varchar(3)', (c) => c.notNull())
        .addColumn('total_cents', 'bigint', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('orders_created_idx').on('orders').column('created_at').execute()
      await db.schema
        .createTable('order_items')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('order_id', 'integer', (c) => c.notNull().references('orders.id'))
        .addColumn('event_id', 'integer', (c) => c.notNull().references('events.id'))
        .addColumn('ticket_type', 'varchar(50)', (c) => c.notNull())
        .addColumn('quantity', 'integer', (c) => c.notNull())
        .addColumn('unit_price_cents', 'bigint', (c) => c.notNull())
        .execute()
      await db.schema.createIndex('order_items_order_idx').on('order_items').column('order_id').execute()
      await db.schema
        .createTable('tickets')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('order_item_id', 'integer', (c) => c.notNull().references('order_items.id'))
        .addColumn('event_id', 'integer', (c) => c.notNull().references('events.id'))
        .addColumn('status', 'varchar(16)', (c) => c.notNull())
        .addColumn('checked_in_at', 'bigint')
        .execute()
      await db.schema.createIndex('tickets_event_idx').on('tickets').column('event_id').execute()
      await db.schema
        .createTable('refunds')
        .addColumn('id', 'integer', (c) => c.primaryKey())
        .addColumn('order_id', 'integer', (c) => c.notNull().references('orders.id'))
        .addColumn('amount_cents', 'bigint', (c) => c.notNull())
        .addColumn('reason', 'varchar(100)', (c) => c.notNull())
        .addColumn('created_at', 'bigint', (c) => c.notNull())
        .execute()
    },
    async down(db: Kysely<unknown>) {
      for (const table of ['refunds', 'tickets', 'order_items', 'orders', 'events', 'venues'])
        await db.schema.dropTable(table).ifExists().execute()
    },
  },
}
