import type { HostDatabase } from '@opskit/core'
import { sql } from 'kysely'
import { defineReport } from '../definition/define-report.js'
import type { ReportRow } from '../definition/report-definition.js'
import { currencyColumn, money } from './money-columns.js'
import { type PeriodParams, periodParams, periodRange } from './period-params.js'

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
  query: (db, params, { timeZone }) => {
    const [start, end] = periodRange(params, timeZone)
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

interface EventSales {
  sold: Map<string, number>
  cents: Map<string, number>
}

/**
 * Venues with events in the period, one row per venue and currency: the venue's events, the
 * tickets sold (not void) from orders in that currency, the paid revenue in it and the average
 * occupancy those tickets give. With `currency`, every venue appears in that currency; without,
 * in each currency sold for the period's events.
 */
export const venuePerformance = defineReport({
  name: 'venue-performance',
  title: 'Venue performance',
  params: periodParams,
  columns: [
    { key: 'venue', header: 'Venue', type: 'string' },
    { key: 'city', header: 'City', type: 'string' },
    currencyColumn,
    { key: 'events', header: 'Events', type: 'integer' },
    { key: 'sold', header: 'Tickets sold', type: 'integer' },
    money('revenue', 'Revenue'),
    { key: 'occupancy', header: 'Avg occupancy', type: 'percent' },
  ],
  totals: { events: 'sum', sold: 'sum', revenue: 'sum' },
  chart: { type: 'bar', x: 'venue', y: ['revenue'], title: 'Revenue by venue' },
  query: (db, params, { timeZone }) => venueRows(db, params, timeZone),
})

async function* venueRows(
  db: HostDatabase,
  params: PeriodParams,
  timeZone: string,
): AsyncGenerator<ReportRow> {
  const [start, end] = periodRange(params, timeZone)
  const inPeriod = (ref: 'e') =>
    db
      .selectFrom(`events as ${ref}`)
      .select(`${ref}.id`)
      .where(`${ref}.starts_at`, '>=', start)
      .where(`${ref}.starts_at`, '<', end)
  const events = await db
    .selectFrom('events as e')
    .innerJoin('venues as v', 'v.id', 'e.venue_id')
    .select(['e.id as id', 'e.capacity as capacity', 'v.id as venue_id', 'v.name as venue', 'v.city as city'])
    .where('e.id', 'in', inPeriod('e'))
    .execute()
  let sold = db
    .selectFrom('tickets as t')
    .innerJoin('order_items as i', 'i.id', 't.order_item_id')
    .innerJoin('orders as o', 'o.id', 'i.order_id')
    .select(['t.event_id as event_id', 'o.currency as currency', sql<number>`count(*)`.as('n')])
    .where('t.status', '<>', 'void')
    .where('t.event_id', 'in', inPeriod('e'))
  let revenue = db
    .selectFrom('order_items as i')
    .innerJoin('orders as o', 'o.id', 'i.order_id')
    .select([
      'i.event_id as event_id',
      'o.currency as currency',
      sql<number>`sum(i.quantity * i.unit_price_cents)`.as('n'),
    ])
    .where('o.status', '=', 'paid')
    .where('i.event_id', 'in', inPeriod('e'))
  if (params.currency) {
    sold = sold.where('o.currency', '=', params.currency)
    revenue = revenue.where('o.currency', '=', params.currency)
  }
  const sales = new Map<number, EventSales>()
  const currencies = new Set<string>(params.currency ? [params.currency] : [])
  const add = (rows: Record<string, unknown>[], into: 'sold' | 'cents') => {
    for (const row of rows) {
      const id = Number(row.event_id)
      const entry = sales.get(id) ?? { sold: new Map(), cents: new Map() }
      sales.set(id, entry)
      currencies.add(String(row.currency))
      entry[into].set(String(row.currency), Number(row.n))
    }
  }
  add(await sold.groupBy(['t.event_id', 'o.currency']).execute(), 'sold')
  add(await revenue.groupBy(['i.event_id', 'o.currency']).execute(), 'cents')
  const venues = new Map<number, { venue: string; city: string; events: typeof events }>()
  for (const event of events) {
    const id = Number(event.venue_id)
    const entry = venues.get(id) ?? { venue: String(event.venue), city: String(event.city), events: [] }
    entry.events.push(event)
    venues.set(id, entry)
  }
  const rows: ReportRow[] = []
  for (const currency of [...currencies].sort()) {
    for (const { venue, city, events: held } of venues.values()) {
      let tickets = 0
      let cents = 0
      let occupancy = 0
      let counted = 0
      for (const event of held) {
        const n = sales.get(Number(event.id))?.sold.get(currency) ?? 0
        tickets += n
        cents += sales.get(Number(event.id))?.cents.get(currency) ?? 0
        if (Number(event.capacity) > 0) {
          occupancy += n / Number(event.capacity)
          counted++
        }
      }
      rows.push({
        venue,
        city,
        currency,
        events: held.length,
        sold: tickets,
        revenue: cents / 100,
        occupancy: counted === 0 ? null : occupancy / counted,
      })
    }
  }
  rows.sort(
    (a, b) =>
      String(a.currency).localeCompare(String(b.currency)) ||
      Number(b.revenue) - Number(a.revenue) ||
      String(a.venue).localeCompare(String(b.venue)),
  )
  yield* rows
}
