import { defineReport } from '@opskit/reports'
import { sql } from 'kysely'
import { z } from 'zod'
import type { TicketingDb } from '../db/schema.js'

/** The daily sales report: per event, what was sold and refunded on one UTC day. */
export const dailySalesReport = defineReport({
  name: 'daily-sales',
  title: 'Daily sales',
  params: z.object({ date: z.iso.date() }).strict(),
  columns: [
    { key: 'event', header: 'Event', type: 'string' },
    { key: 'venue', header: 'Venue', type: 'string' },
    { key: 'orders', header: 'Orders', type: 'integer' },
    { key: 'tickets', header: 'Tickets', type: 'integer' },
    { key: 'gross', header: 'Gross', type: 'money', format: { currency: 'EUR' } },
    { key: 'refunded', header: 'Refunded', type: 'money', format: { currency: 'EUR' } },
    { key: 'net', header: 'Net', type: 'money', format: { currency: 'EUR' } },
  ],
  totals: { orders: 'sum', tickets: 'sum', gross: 'sum', refunded: 'sum', net: 'sum' },
  chart: { type: 'bar', x: 'event', y: ['net'], title: 'Net sales per event' },
  query(host, params) {
    const db = host as unknown as TicketingDb
    const from = `${params.date}T00:00:00.000Z`
    const to = new Date(Date.parse(from) + 86_400_000).toISOString()
    return db
      .selectFrom('tix_orders as o')
      .innerJoin('tix_events as e', 'e.id', 'o.event_id')
      .innerJoin('tix_order_items as i', 'i.order_id', 'o.id')
      .where('o.created_at', '>=', from)
      .where('o.created_at', '<', to)
      .groupBy(['e.id', 'e.name', 'e.venue'])
      .orderBy('e.name')
      .select([
        'e.name as event',
        'e.venue as venue',
        sql<number>`count(distinct o.id)`.as('orders'),
        sql<number>`sum(i.quantity)`.as('tickets'),
        sql<number>`sum(o.total_cents) / 100.0`.as('gross'),
        sql<number>`sum(case when o.status = 'refunded' then o.total_cents else 0 end) / 100.0`.as(
          'refunded',
        ),
        sql<number>`sum(case when o.status = 'paid' then o.total_cents else 0 end) / 100.0`.as('net'),
      ])
  },
})
