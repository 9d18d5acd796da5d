import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { type Clock, migrate, systemClock } from '@opskit/core'
import { openSqlite } from '@opskit/core/sqlite'
import {
  createFilesystemStorage,
  createReports,
  defineReport,
  type ReportDelivery,
  type Reports,
} from '@opskit/reports'
import { sql } from 'kysely'
import { z } from 'zod'

/** Hourly sales of a tiny shop: the report the schedule runs. */
const hourlySales = defineReport({
  name: 'hourly-sales',
  title: 'Sales per product',
  params: z.object({}).strict(),
  columns: [
    { key: 'product', header: 'Product', type: 'string' },
    { key: 'units', header: 'Units', type: 'integer' },
    { key: 'revenue', header: 'Revenue', type: 'money', format: { currency: 'EUR' } },
  ],
  totals: { units: 'sum', revenue: 'sum' },
  query: (db) =>
    db
      .selectFrom('shop_sales')
      .groupBy('product')
      .orderBy('product')
      .select([
        'product',
        sql<number>`sum(units)`.as('units'),
        sql<number>`sum(cents) / 100.0`.as('revenue'),
      ]),
})

/** A shop database with a few sales, the reports runtime on it, and a cron schedule. */
export async function startScheduledReports(options: {
  clock?: Clock
  onDelivery: (delivery: ReportDelivery) => void
}): Promise<{ reports: Reports; scheduleId: string; close(): Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'reports-scheduled-'))
  const db = openSqlite(join(dir, 'shop.db'))
  await migrate(db, {
    namespace: 'shop',
    tablePrefix: 'shop_',
    migrations: (p) => ({
      '0001_sales': {
        up: (trx) =>
          trx.schema
            .createTable(`${p}sales`)
            .addColumn('id', 'integer', (c) => c.primaryKey().autoIncrement())
            .addColumn('product', 'text', (c) => c.notNull())
            .addColumn('units', 'integer', (c) => c.notNull())
            .addColumn('cents', 'integer', (c) => c.notNull())
            .execute(),
      },
    }),
  })
  await db
    .insertInto('shop_sales')
    .values([
      { product: 'T-shirt', units: 3, cents: 6000 },
      { product: 'Mug', units: 5, cents: 4500 },
      { product: 'T-shirt', units: 1, cents: 2000 },
    ])
    .execute()
  const reports = await createReports({
    db,
    storage: createFilesystemStorage({ directory: join(dir, 'artifacts') }),
    timeZone: 'Europe/Berlin',
    downloadBaseUrl: 'https://shop.example/reports/download',
    clock: options.clock ?? systemClock,
    // The delivery hook: a real host e-mails the link (e.g. through @opskit/notify).
    notifier: { send: (delivery) => options.onDelivery(delivery) },
  })
  const schedule = await reports.schedule({
    report: hourlySales,
    params: {},
    cron: '* * * * *',
    timeZone: 'Europe/Berlin',
    format: 'csv',
    deliver: { to: 'owner@shop.example', linkExpiresInMs: 3_600_000 },
  })
  return {
    reports,
    scheduleId: schedule.id,
    async close() {
      await reports.close()
      await db.destroy()
      rmSync(dir, { recursive: true, force: true })
    },
  }
}
