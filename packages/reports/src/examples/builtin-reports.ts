import type { HostDatabase } from '@opskit/core'
import { sql } from 'kysely'
import { z } from 'zod'
import { defineReport } from '../definition/define-report.js'
import type { QueryContext, ReportRow } from '../definition/report-definition.js'
import { dateInZone } from '../render/values.js'
import { nextDay, startOfDayInZone } from './zoned.js'

const day = z.string().regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date as YYYY-MM-DD')

/** Parameters of the built-in reports: an inclusive range of days in the report time zone. */
export const periodParams = z
  .object({ from: day, to: day, currency: z.string().length(3).default('EUR') })
  .refine((p) => p.from <= p.to, { message: 'must not be before from', path: ['to'] })

/** The validated period parameters. */
export type PeriodParams = z.output<typeof periodParams>

function range(params: PeriodParams, timezone: string): [number, number] {
  return [startOfDayInZone(params.from, timezone), startOfDayInZone(nextDay(params.to), timezone)]
}

/**
 * Daily sales summary: per day in the report zone, paid orders, tickets, gross, refunds and
 * net. Orders stream from the database and are bucketed by local day (memory grows with days,
 * not orders), so the buckets are right in any time zone on SQLite and PostgreSQL alike.
 */
export const dailySalesSummary = defineReport({
  name: 'daily-sales-summary',
  title: 'Daily sales summary',
  params: periodParams,
  columns: [
    { key: 'day', header: 'Day', type: 'date' },
    { key: 'orders', header: 'Orders', type: 'integer' },
    { key: 'tickets', header: 'Tickets', type: 'integer' },
    { key: 'gross', header: 'Gross', type: 'money', format: { currency: 'EUR' } },
    { key: 'refunds', header: 'Refunds', type: 'money', format: { currency: 'EUR' } },
    { key: 'net', header: 'Net', type: 'money', format: { currency: 'EUR' } },
  ],
  totals: { orders: 'sum', tickets: 'sum', gross: 'sum', refunds: 'sum', net: 'sum' },
  chart: { type: 'bar', x: 'day', y: ['gross', 'refunds'], title: 'Gross and refunds by day', maxPoints: 62 },
  query: (db, params, context) => dailySales(db, params, context),
})

async function* dailySales(
  db: HostDatabase,
  params: PeriodParams,
  context: QueryContext,
): AsyncGenerator<ReportRow> {
  const { timezone } = context
  const [start, end] = range(params, timezone)
  const buckets = new Map<string, { orders: number; tickets: number; gross: number; refunds: number }>()
  for (let d = params.from; d <= params.to; d = nextDay(d))
    buckets.set(d, { orders: 0, tickets: 0, gross: 0, refunds: 0 })
  const orders = db
    .selectFrom('orders as o')
    .select([
      'o.created_at',
      'o.total_cents',
      (eb) =>
        eb
          .selectFrom('order_items as i')
          .select(sql<number>`coalesce(sum(i.quantity), 0)`.as('q'))
          .whereRef('i.order_id', '=', 'o.id')
          .as('tickets'),
    ])
    .where('o.status', '=', 'paid')
    .where('o.created_at', '>=', start)
    .where('o.created_at', '<', end)
    .where('o.currency', '=', params.currency)
  for await (const row of context.stream(orders)) {
    const bucket = buckets.get(dateInZone(Number(row.created_at), timezone))
    if (!bucket) continue
    bucket.orders++
    bucket.tickets += Number(row.tickets)
    bucket.gross += Number(row.total_cents)
  }
  const refunds = db
    .selectFrom('refunds as r')
    .innerJoin('orders as o', 'o.id', 'r.order_id')
    .select(['r.created_at', 'r.amount_cents'])
    .where('r.created_at', '>=', start)
    .where('r.created_at', '<', end)
    .where('o.currency', '=', params.currency)
  for await (const row of context.stream(refunds)) {
    const bucket = buckets.get(dateInZone(Number(row.created_at), timezone))
    if (bucket) bucket.refunds += Number(row.amount_cents)
  }
  for (const [d, b] of buckets) {
    yield {
      day: d,
      orders: b.orders,
      tickets: b.tickets,
      gross: b.gross / 100,
      refunds: b.refunds / 100,
      net: (b.gross - b.refunds) / 100,
    }
  }
}

/** Parameters of {@link revenueBreakdown}. */
export const breakdownParams = z
  .object({ from: day, to: day, by: z.enum(['event', 'venue', 'ticket_type']).default('event') })
  .refine((p) => p.from <= p.to, { message: 'must not be before from', path: ['to'] })

/** Revenue breakdown of paid orders by event, venue or ticket type, with each group's share. */
export const revenueBreakdown = defineReport({
  name: 'revenue-breakdown',
  title: 'Revenue breakdown',
  params: breakdownParams,
  columns: [
    { key: 'group', header: 'Group', type: 'string' },
    { key: 'tickets', header: 'Tickets', type: 'integer' },
    { key: 'revenue', header: 'Revenue', type: 'money' },
    { key: 'share', header: 'Share', type: 'percent' },
  ],
  totals: { tickets: 'sum', revenue: 'sum', share: 'sum' },
  chart: { type: 'bar', x: 'group', y: ['revenue'], title: 'Revenue by group' },
  query: async function* (db, params, { timezone }) {
    const [start, end] = range({ ...params, currency: 'EUR' }, timezone)
    const groupColumn =
      params.by === 'venue'
        ? sql.ref('v.name')
        : params.by === 'ticket_type'
          ? sql.ref('i.ticket_type')
          : sql.ref('e.name')
    const rows = await db
      .selectFrom('order_items as i')
      .innerJoin('orders as o', 'o.id', 'i.order_id')
      .innerJoin('events as e', 'e.id', 'i.event_id')
      .innerJoin('venues as v', 'v.id', 'e.venue_id')
      .select([
        sql<string>`${groupColumn}`.as('group'),
        sql<number>`sum(i.quantity)`.as('tickets'),
        sql<number>`sum(i.quantity * i.unit_price_cents)`.as('cents'),
      ])
      .where('o.status', '=', 'paid')
      .where('o.created_at', '>=', start)
      .where('o.created_at', '<', end)
      .groupBy(sql`${groupColumn}`)
      .orderBy(sql`sum(i.quantity * i.unit_price_cents)`, 'desc')
      .orderBy(sql`${groupColumn}`)
      .execute()
    const total = rows.reduce((sum, row) => sum + Number(row.cents), 0)
    for (const row of rows) {
      yield {
        group: row.group,
        tickets: Number(row.tickets),
        revenue: Number(row.cents) / 100,
        share: total === 0 ? 0 : Number(row.cents) / total,
      }
    }
  },
})

/** Refunds in the period by reason: count, amount and average. */
export const refundSummary = defineReport({
  name: 'refund-summary',
  title: 'Refund summary',
  params: periodParams,
  columns: [
    { key: 'reason', header: 'Reason', type: 'string' },
    { key: 'refunds', header: 'Refunds', type: 'integer' },
    { key: 'amount', header: 'Amount', type: 'money' },
    { key: 'average', header: 'Average', type: 'money' },
  ],
  totals: { refunds: 'sum', amount: 'sum' },
  query: (db, params, { timezone }) => {
    const [start, end] = range(params, timezone)
    return db
      .selectFrom('refunds as r')
      .select([
        'r.reason as reason',
        sql<number>`count(*)`.as('refunds'),
        sql<number>`sum(r.amount_cents) / 100.0`.as('amount'),
        sql<number>`avg(r.amount_cents) / 100.0`.as('average'),
      ])
      .where('r.created_at', '>=', start)
      .where('r.created_at', '<', end)
      .groupBy('r.reason')
      .orderBy('reason')
  },
})

/** Events starting in the period: tickets sold, checked in, attendance and sell-through. */
export const eventAttendance = defineReport({
  name: 'event-attendance',
  title: 'Event attendance',
  params: periodParams,
  columns: [
    { key: 'event', header: 'Event', type: 'string' },
    { key: 'venue', header: 'Venue', type: 'string' },
    { key: 'starts_at', header: 'Starts', type: 'datetime' },
    { key: 'capacity', header: 'Capacity', type: 'integer' },
    { key: 'sold', header: 'Sold', type: 'integer' },
    { key: 'checked_in', header: 'Checked in', type: 'integer' },
    { key: 'attendance', header: 'Attendance', type: 'percent' },
    { key: 'sell_through', header: 'Sell-through', type: 'percent' },
  ],
  totals: { capacity: 'sum', sold: 'sum', checked_in: 'sum' },
  chart: { type: 'bar', x: 'event', y: ['sold', 'checked_in'], title: 'Sold and checked in' },
  query: (db, params, { timezone }) => {
    const [start, end] = range(params, timezone)
    const sold = sql<number>`sum(case when t.status <> 'void' then 1 else 0 end)`
    const checked = sql<number>`sum(case when t.status = 'checked_in' then 1 else 0 end)`
    return db
      .selectFrom('events as e')
      .innerJoin('venues as v', 'v.id', 'e.venue_id')
      .leftJoin('tickets as t', 't.event_id', 'e.id')
      .select([
        'e.name as event',
        'v.name as venue',
        'e.starts_at as starts_at',
        'e.capacity as capacity',
        sql<number>`coalesce(${sold}, 0)`.as('sold'),
        sql<number>`coalesce(${checked}, 0)`.as('checked_in'),
        sql<number>`${checked} * 1.0 / nullif(${sold}, 0)`.as('attendance'),
        sql<number>`coalesce(${sold}, 0) * 1.0 / nullif(e.capacity, 0)`.as('sell_through'),
      ])
      .where('e.starts_at', '>=', start)
      .where('e.starts_at', '<', end)
      .groupBy(['e.id', 'e.name', 'v.name', 'e.starts_at', 'e.capacity'])
      .orderBy('e.starts_at')
      .orderBy('e.id')
  },
})

/** Venues with events in the period: events, tickets sold, revenue and average occupancy. */
export const venuePerformance = defineReport({
  name: 'venue-performance',
  title: 'Venue performance',
  params: periodParams,
  columns: [
    { key: 'venue', header: 'Venue', type: 'string' },
    { key: 'city', header: 'City', type: 'string' },
    { key: 'events', header: 'Events', type: 'integer' },
    { key: 'sold', header: 'Tickets sold', type: 'integer' },
    { key: 'revenue', header: 'Revenue', type: 'money' },
    { key: 'occupancy', header: 'Avg occupancy', type: 'percent' },
  ],
  totals: { events: 'sum', sold: 'sum', revenue: 'sum' },
  chart: { type: 'bar', x: 'venue', y: ['revenue'], title: 'Revenue by venue' },
  query: (db, params, { timezone }) => {
    const [start, end] = range(params, timezone)
    const perEvent = db
      .selectFrom('events as e')
      .select([
        'e.id as event_id',
        'e.venue_id as venue_id',
        'e.capacity as capacity',
        (eb) =>
          eb
            .selectFrom('tickets as t')
            .select(sql<number>`count(*)`.as('n'))
            .whereRef('t.event_id', '=', 'e.id')
            .where('t.status', '<>', 'void')
            .as('sold'),
        (eb) =>
          eb
            .selectFrom('order_items as i')
            .innerJoin('orders as o', 'o.id', 'i.order_id')
            .select(sql<number>`coalesce(sum(i.quantity * i.unit_price_cents), 0)`.as('c'))
            .whereRef('i.event_id', '=', 'e.id')
            .where('o.status', '=', 'paid')
            .as('cents'),
      ])
      .where('e.starts_at', '>=', start)
      .where('e.starts_at', '<', end)
    return db
      .selectFrom(perEvent.as('pe'))
      .innerJoin('venues as v', 'v.id', 'pe.venue_id')
      .select([
        'v.name as venue',
        'v.city as city',
        sql<number>`count(*)`.as('events'),
        sql<number>`sum(pe.sold)`.as('sold'),
        sql<number>`sum(pe.cents) / 100.0`.as('revenue'),
        sql<number>`avg(pe.sold * 1.0 / nullif(pe.capacity, 0))`.as('occupancy'),
      ])
      .groupBy(['v.id', 'v.name', 'v.city'])
      .orderBy('revenue', 'desc')
      .orderBy('venue')
  },
})

/** The five built-in commerce/ticketing reports over the example schema. */
export const builtinReports = [
  dailySalesSummary,
  revenueBreakdown,
  refundSummary,
  eventAttendance,
  venuePerformance,
] as const
