import { uuidv7 } from '@opskit/core'
import type { Transaction } from 'kysely'
import { z } from 'zod'
import type { Session } from '../auth/sessions.js'
import { retryOnBusy } from '../db/retry-busy.js'
import type { TicketingTables } from '../db/schema.js'
import type { RequestActor } from '../domain/hooks.js'
import { HttpError } from '../http/http-error.js'
import { readJson, sendJson } from '../http/json.js'
import type { RouteContext, Router } from '../http/router.js'
import { type ApiDeps, actorOf, requireApiSession } from './context.js'

const MAX_TICKETS_PER_ORDER = 10

const orderSchema = z
  .object({
    eventId: z.string().min(1).max(64),
    quantity: z.number().int().positive().max(MAX_TICKETS_PER_ORDER),
  })
  .strict()
const refundSchema = z.object({ reason: z.string().trim().min(1).max(500) }).strict()

type OrderInput = z.output<typeof orderSchema>

/** Registers the order routes: buying tickets, reading an order and refunding it. */
export function registerOrderRoutes(router: Router, deps: ApiDeps): void {
  router.on('POST', '/api/orders', (ctx) => createOrder(deps, ctx))

  router.on('GET', '/api/orders/:id', async ({ req, res, params }) => {
    const session = await requireApiSession(deps, req)
    const order = visibleOrder(
      await deps.db
        .selectFrom('tix_orders')
        .selectAll()
        .where('id', '=', params.id ?? '')
        .executeTakeFirst(),
      session,
    )
    const tickets = await deps.db
      .selectFrom('tix_tickets')
      .select(['id', 'status'])
      .where('order_id', '=', order.id)
      .execute()
    sendJson(res, 200, {
      id: order.id,
      eventId: order.event_id,
      status: order.status,
      totalCents: order.total_cents,
      tickets,
    })
  })

  router.on('POST', '/api/orders/:id/refund', (ctx) => refundOrder(deps, ctx))
}

/** The order when the session may see it (its owner or an admin), else 404 (never 403: ids stay private). */
function visibleOrder<T extends { user_id: string }>(order: T | undefined, session: Session): T {
  if (!order || (order.user_id !== session.userId && session.role !== 'admin')) {
    throw new HttpError(404, 'ORDER_NOT_FOUND', 'no such order')
  }
  return order
}

/** `POST /api/orders`: reserves seats and records the paid order and its tickets in one transaction. */
async function createOrder(deps: ApiDeps, { req, res }: RouteContext): Promise<void> {
  const session = await requireApiSession(deps, req)
  const input = await readJson(req, orderSchema)
  const actor = actorOf(req, session)
  await deps.hooks.emit('purchase.attempt', { actor, eventId: input.eventId, quantity: input.quantity })
  const orderId = uuidv7()
  const created = deps.now().toISOString()
  const result = await retryOnBusy(() =>
    deps.db
      .transaction()
      .execute((trx) => reserveAndRecordOrder(trx, { orderId, created, input, session, actor })),
  )
  await deps.hooks.emit('order.created', {
    actor,
    orderId,
    eventId: result.event.id,
    eventName: result.event.name,
    quantity: input.quantity,
    totalCents: result.totalCents,
  })
  sendJson(res, 201, { orderId, totalCents: result.totalCents, tickets: result.tickets })
}

/** Inside the order's transaction: 404 for an unknown event, 409 when too few tickets are left. */
async function reserveAndRecordOrder(
  trx: Transaction<TicketingTables>,
  order: { orderId: string; created: string; input: OrderInput; session: Session; actor: RequestActor },
) {
  const { orderId, input, actor } = order
  const event = await trx
    .selectFrom('tix_events')
    .select(['id', 'name', 'price_cents'])
    .where('id', '=', input.eventId)
    .executeTakeFirst()
  if (!event) throw new HttpError(404, 'EVENT_NOT_FOUND', 'no such event')
  const reserved = await trx
    .updateTable('tix_events')
    .set((eb) => ({ sold: eb('sold', '+', input.quantity) }))
    .where('id', '=', input.eventId)
    .where((eb) => eb(eb('sold', '+', input.quantity), '<=', eb.ref('capacity')))
    .executeTakeFirst()
  if (Number(reserved.numUpdatedRows) === 0) {
    throw new HttpError(409, 'SOLD_OUT', `fewer than ${input.quantity} tickets are left`)
  }
  const totalCents = event.price_cents * input.quantity
  await trx
    .insertInto('tix_orders')
    .values({
      id: orderId,
      user_id: order.session.userId,
      event_id: event.id,
      status: 'paid',
      total_cents: totalCents,
      ip: actor.ip,
      user_agent: actor.userAgent,
      created_at: order.created,
    })
    .execute()
  await trx
    .insertInto('tix_order_items')
    .values({
      order_id: orderId,
      event_id: event.id,
      quantity: input.quantity,
      unit_price_cents: event.price_cents,
    })
    .execute()
  const tickets = Array.from({ length: input.quantity }, () => uuidv7())
  await trx
    .insertInto('tix_tickets')
    .values(tickets.map((id) => ({ id, order_id: orderId, event_id: event.id, status: 'valid' as const })))
    .execute()
  return { event, totalCents, tickets }
}

/** `POST /api/orders/:id/refund`: refunds a paid order once, voids its tickets and frees the seats. */
async function refundOrder(deps: ApiDeps, { req, res, params }: RouteContext): Promise<void> {
  const session = await requireApiSession(deps, req)
  const input = await readJson(req, refundSchema)
  const refundId = uuidv7()
  const order = await retryOnBusy(() =>
    deps.db.transaction().execute(async (trx) => {
      const row = visibleOrder(
        await trx
          .selectFrom('tix_orders')
          .selectAll()
          .where('id', '=', params.id ?? '')
          .executeTakeFirst(),
        session,
      )
      const updated = await trx
        .updateTable('tix_orders')
        .set({ status: 'refunded' })
        .where('id', '=', row.id)
        .where('status', '=', 'paid')
        .executeTakeFirst()
      if (Number(updated.numUpdatedRows) === 0) {
        throw new HttpError(409, 'ALREADY_REFUNDED', 'this order was refunded already')
      }
      const voided = await trx
        .updateTable('tix_tickets')
        .set({ status: 'void' })
        .where('order_id', '=', row.id)
        .where('status', '=', 'valid')
        .executeTakeFirst()
      await trx
        .updateTable('tix_events')
        .set((eb) => ({ sold: eb('sold', '-', Number(voided.numUpdatedRows)) }))
        .where('id', '=', row.event_id)
        .execute()
      await trx
        .insertInto('tix_refunds')
        .values({
          id: refundId,
          order_id: row.id,
          amount_cents: row.total_cents,
          reason: input.reason,
          created_at: deps.now().toISOString(),
        })
        .execute()
      return row
    }),
  )
  await deps.hooks.emit('order.refunded', {
    actor: actorOf(req, session),
    ownerId: order.user_id,
    orderId: order.id,
    refundId,
    amountCents: order.total_cents,
    reason: input.reason,
  })
  sendJson(res, 200, { refundId, orderId: order.id, amountCents: order.total_cents, status: 'refunded' })
}
