import type { Generated, Kysely } from 'kysely'

/** Roles a user of the ticketing service can have. */
export type Role = 'customer' | 'organizer' | 'admin'

/** Rows of the service's own tables (prefix `tix_`). */
export interface TicketingTables {
  tix_users: {
    id: string
    email: string
    name: string
    password_hash: string
    /** E.164 phone number for SMS, when the user gave one. */
    phone: string | null
    role: Role
    created_at: string
  }
  tix_sessions: {
    token_hash: string
    user_id: string
    csrf_token: string
    kind: 'api' | 'ops'
    created_at: string
    expires_at: string
  }
  tix_events: {
    id: string
    name: string
    venue: string
    starts_at: string
    capacity: number
    sold: number
    price_cents: number
    created_at: string
  }
  tix_orders: {
    id: string
    user_id: string
    event_id: string
    status: 'paid' | 'refunded'
    total_cents: number
    ip: string
    user_agent: string
    created_at: string
  }
  tix_order_items: {
    id: Generated<number>
    order_id: string
    event_id: string
    quantity: number
    unit_price_cents: number
  }
  tix_tickets: {
    id: string
    order_id: string
    event_id: string
    status: 'valid' | 'void'
  }
  tix_refunds: {
    id: string
    order_id: string
    amount_cents: number
    reason: string
    created_at: string
  }
}

/** The service's typed view of its SQLite database. */
export type TicketingDb = Kysely<TicketingTables>
