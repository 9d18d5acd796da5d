import type { HostDatabase } from '@opskit/core'
import { sql } from 'kysely'
import { z } from 'zod'
import { defineReport } from '../definition/define-report.js'
import type { QueryContext, ReportRow } from '../definition/report-definition.js'
import { dateInZone } from '../render/values.js'
import { currencyColumn, money } from './money-columns.js'
import { currencyCode, day, type PeriodParams, periodParams, periodRange } from './period-params.js'
import { eventAttendance, venuePerformance } from './venue-reports.js'
import { nextDay } from './zoned.js'

interface DayBucket {
  orders: number
  tickets: number
  gross: number
  refunds: number
}

/**
 * Daily sales summary: per day in the report zone and currency, paid orders, tickets, gross,
 * refunds and net. Orders stream from the database and are bucketed by local day (memory grows
 * with days and currencies, not orders). With `currency`, one row per day in that currency;
 * without, one row per day for each currency that sold or refunded in the period.
 */
export const dailySalesSummary = defineReport({
  name: 'daily-sales-summary',
  title: 'Daily sales summary',
  params: periodParams,
  columns: [
    { key: 'day', header: 'Day', type: 'date' },
    currencyColumn,
    { key: 'orders', header: 'Orders', type: 'integer' },
    { key: 'tickets', header: 'Tickets', type: 'integer' },
    money('gross', 'Gross'),
    money('refunds', 'Refunds'),
    money('net', 'Net'),
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
  const { timeZone } = context
  const [start, end] = periodRange(params, timeZone)
  const buckets = new Map<string, DayBucket>()
  const currencies = new Set<string>(params.currency ? [params.currency] : [])
  const bucket = (at: unknown, currency: string) => {
    const key = `${dateInZone(Number(at), timeZone)}|${currency}`
    currencies.add(currency)
    let found = buckets.get(key)
    if (!found) {
      found = { orders: 0, tickets: 0, gross: 0, refunds: 0 }
      buckets.set(key, found)
    }
    return found
  }
  let orders = db
    .selectFrom('orders as o')
    .select([
      'o.created_at',
      'o.currency',
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
  if (params.currency) orders = orders.where('o.currency', '=', params.currency)
  for await (const row of context.stream(orders)) {
    const b = bucket(row.created_at, String(row.currency))
    b.orders++
    b.tickets += Number(row.tickets)
    b.gross += Number(row.total_cents)
  }
  let refunds = db
    .selectFrom('refunds as r')
    .innerJoin('orders as o', 'o.id', 'r.order_id')
    .select(['r.created_at', 'o.currency', 'r.amount_cents'])
    .where('r.created_at', '>=', start)
    .where('r.created_at', '<', end)
  if (params.currency) refunds = refunds.where('o.currency', '=', params.currency)
  for await (const row of context.stream(refunds))
    bucket(row.created_at, String(row.currency)).refunds += Number(row.amount_cents)
  const sorted = [...currencies].sort()
  for (let d = params.from; d <= params.to; d = nextDay(d)) {
    for (const currency of sorted) {
      const b = buckets.get(`${d}|${currency}`) ?? { orders: 0, tickets: 0, gross: 0, refunds: 0 }
      yield {
        day: d,
        currency,
        orders: b.orders,
        tickets: b.tickets,
        gross: b.gross / 100,
        refunds: b.refunds / 100,
        net: (b.gross - b.refunds) / 100,
      }
    }
  }
}

/** Parameters of {@link revenueBreakdown}. */
export const breakdownParams = z
  .object({
    from: day,
    to: day,
    by: z.enum(['event', 'venue', 'ticket_type']).default('event'),
    currency: currencyCode.optional(),
  })
  .refine((p) => p.from <= p.to, { message: 'must not be before from', path: ['to'] })

/**
 * Revenue breakdown of paid orders by event, venue or ticket type and currency, with each
 * group's share of its currency's revenue.
 */
export const revenueBreakdown = defineReport({
  name: 'revenue-breakdown',
  title: 'Revenue breakdown',
  params: breakdownParams,
  columns: [
    { key: 'group', header: 'Group', type: 'string' },
    currencyColumn,
    { key: 'tickets', header: 'Tickets', type: 'integer' },
    money('revenue', 'Revenue'),
    { key: 'share', header: 'Share', type: 'percent' },
  ],
  totals: { tickets: 'sum', revenue: 'sum', share: 'sum' },
  chart: { type: 'bar', x: 'group', y: ['revenue'], title: 'Revenue by group' },
  query: async function* (db, params, { timeZone }) {
    const [start, end] = periodRange(params, timeZone)
    const groupColumn =
      params.by === 'venue'
        ? sql.ref('v.name')
        : params.by === 'ticket_type'
          ? sql.ref('i.ticket_type')
          : sql.ref('e.name')
    let query = db
      .selectFrom('order_items as i')
      .innerJoin('orders as o', 'o.id', 'i.order_id')
      .innerJoin('events as e', 'e.id', 'i.event_id')
      .innerJoin('venues as v', 'v.id', 'e.venue_id')
      .select([
        sql<string>`${groupColumn}`.as('group'),
        'o.currency as currency',
        sql<number>`sum(i.quantity)`.as('tickets'),
        sql<number>`sum(i.quantity * i.unit_price_cents)`.as('cents'),
      ])
      .where('o.status', '=', 'paid')
      .where('o.created_at', '>=', start)
      .where('o.created_at', '<', end)
    if (params.currency) query = query.where('o.currency', '=', params.currency)
    const rows = await query
      .groupBy([sql`${groupColumn}`, 'o.currency'])
      .orderBy('o.currency')
      .orderBy(sql`sum(i.quantity * i.unit_price_cents)`, 'desc')
      .orderBy(sql`${groupColumn}`)
      .execute()
    const perCurrency = new Map<string, number>()
    for (const row of rows)
      perCurrency.set(String(row.currency), (perCurrency.get(String(row.currency)) ?? 0) + Number(row.cents))
    for (const row of rows) {
      const total = perCurrency.get(String(row.currency)) ?? 0
      yield {
        group: row.group,
        currency: row.currency,
        tickets: Number(row.tickets),
        revenue: Number(row.cents) / 100,
        share: total === 0 ? 0 : Number(row.cents) / total,
      }
    }
  },
})

/** Refunds in the period by reason and currency (of the refunded order): count, amount and average. */
export const refundSummary = defineReport({
  name: 'refund-summary',
  title: 'Refund summary',
  params: periodParams,
  columns: [
    { key: 'reason', header: 'Reason', type: 'string' },
    currencyColumn,
    { key: 'refunds', header: 'Refunds', type: 'integer' },
    money('amount', 'Amount'),
    money('average', 'Average'),
  ],
  totals: { refunds: 'sum', amount: 'sum' },
  query: (db, params, { timeZone }) => {
    const [start, end] = periodRange(params, timeZone)
    let query = db
      .selectFrom('refunds as r')
      .innerJoin('orders as o', 'o.id', 'r.order_id')
      .select([
        'r.reason as reason',
        'o.currency as currency',
        sql<number>`count(*)`.as('refunds'),
        sql<number>`sum(r.amount_cents) / 100.0`.as('amount'),
        sql<number>`avg(r.amount_cents) / 100.0`.as('average'),
      ])
      .where('r.created_at', '>=', start)
      .where('r.created_at', '<', end)
    if (params.currency) query = query.where('o.currency', '=', params.currency)
    return query.groupBy(['r.reason', 'o.currency']).orderBy('o.currency').orderBy('r.reason')
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
