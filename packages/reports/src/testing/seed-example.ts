import type { HostDatabase } from '@opskit/core'
import { migrateExampleSchema } from '../examples/migrate-example.js'

/** Options of {@link seedExampleData}. */
export interface SeedExampleOptions {
  /** Orders to create. @default 300 */
  orders?: number
  /** PRNG seed: the same seed gives the same data. @default 42 */
  seed?: number
  /** First day of the data (UTC). @default '2026-03-01' */
  start?: string
  /** Days of data. @default 31 */
  days?: number
}

/** What {@link seedExampleData} wrote. */
export interface SeededCounts {
  venues: number
  events: number
  orders: number
  orderItems: number
  tickets: number
  refunds: number
}

function prng(seed: number) {
  let state = seed >>> 0 || 1
  return () => {
    state ^= state << 13
    state ^= state >>> 17
    state ^= state << 5
    return (state >>> 0) / 4294967296
  }
}

async function insertAll(db: HostDatabase, table: string, rows: Record<string, unknown>[]) {
  for (let i = 0; i < rows.length; i += 200)
    await db
      .insertInto(table)
      .values(rows.slice(i, i + 200))
      .execute()
}

const REASONS = ['event cancelled', 'customer request', 'duplicate charge', 'fraud']
const TYPES = ['standard', 'vip', 'student']

/**
 * Migrates the example schema and fills it with deterministic data: venues (one with a comma
 * and quotes in its name), events, orders (paid, cancelled, pending; mostly EUR, a few USD),
 * items, tickets (issued, checked in, void) and partial refunds.
 */
export async function seedExampleData(
  db: HostDatabase,
  options: SeedExampleOptions = {},
): Promise<SeededCounts> {
  await migrateExampleSchema(db)
  const random = prng(options.seed ?? 42)
  const pick = <T>(list: readonly T[]) => list[Math.floor(random() * list.length)] as T
  const start = Date.parse(`${options.start ?? '2026-03-01'}T00:00:00Z`)
  const span = (options.days ?? 31) * 86_400_000
  const venues = [
    { id: 1, name: 'Hall "A", Berlin', city: 'Berlin', capacity: 500 },
    { id: 2, name: 'Riverside Arena', city: 'Hamburg', capacity: 2000 },
    { id: 3, name: 'Jazzkeller', city: 'München', capacity: 120 },
    { id: 4, name: '=Club Null', city: 'New York', capacity: 300 },
  ]
  const events = Array.from({ length: 12 }, (_, i) => ({
    id: i + 1,
    venue_id: (i % 4) + 1,
    name: `Event ${i + 1}${i === 3 ? ' 🎸 Rock, "live"' : ''}`,
    starts_at: start + Math.floor(((i + 0.5) / 12) * span) + 19 * 3_600_000,
    capacity: (venues[i % 4]?.capacity ?? 100) - i,
  }))
  const orders: Record<string, unknown>[] = []
  const items: Record<string, unknown>[] = []
  const tickets: Record<string, unknown>[] = []
  const refunds: Record<string, unknown>[] = []
  const count = options.orders ?? 300
  for (let id = 1; id <= count; id++) {
    const roll = random()
    const status = roll < 0.85 ? 'paid' : roll < 0.95 ? 'cancelled' : 'pending'
    const createdAt = start + Math.floor(random() * span)
    let total = 0
    const lines = 1 + Math.floor(random() * 3)
    for (let l = 0; l < lines; l++) {
      const itemId = items.length + 1
      const event = pick(events)
      const quantity = 1 + Math.floor(random() * 4)
      const price = 1500 + Math.floor(random() * 20) * 250
      total += quantity * price
      items.push({
        id: itemId,
        order_id: id,
        event_id: event.id,
        ticket_type: pick(TYPES),
        quantity,
        unit_price_cents: price,
      })
      for (let q = 0; q < quantity; q++) {
        const t = random()
        const ticketStatus =
          status !== 'paid' ? 'void' : t < 0.6 ? 'checked_in' : t < 0.95 ? 'issued' : 'void'
        tickets.push({
          id: tickets.length + 1,
          order_item_id: itemId,
          event_id: event.id,
          status: ticketStatus,
          checked_in_at: ticketStatus === 'checked_in' ? event.starts_at - 1_800_000 : null,
        })
      }
    }
    orders.push({
      id,
      customer_email: `customer${id}@example.com`,
      status,
      currency: random() < 0.05 ? 'USD' : 'EUR',
      total_cents: total,
      created_at: createdAt,
    })
    if (status === 'paid' && random() < 0.12) {
      refunds.push({
        id: refunds.length + 1,
        order_id: id,
        amount_cents: Math.max(100, Math.floor(total * (0.2 + random() * 0.8))),
        reason: pick(REASONS),
        created_at: Math.min(start + span - 1, createdAt + Math.floor(random() * 3 * 86_400_000)),
      })
    }
  }
  await insertAll(db, 'venues', venues)
  await insertAll(db, 'events', events)
  await insertAll(db, 'orders', orders)
  await insertAll(db, 'order_items', items)
  await insertAll(db, 'tickets', tickets)
  await insertAll(db, 'refunds', refunds)
  return {
    venues: venues.length,
    events: events.length,
    orders: orders.length,
    orderItems: items.length,
    tickets: tickets.length,
    refunds: refunds.length,
  }
}
