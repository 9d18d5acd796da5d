import { uuidv7 } from '@opskit/core'
import { z } from 'zod'
import { tooManyAttempts } from '../auth/login-throttle.js'
import { retryOnBusy } from '../db/retry-busy.js'
import type { Role } from '../db/schema.js'
import { HttpError } from '../http/http-error.js'
import { readJson, sendJson } from '../http/json.js'
import type { Router } from '../http/router.js'
import { type ApiDeps, actorOf, requireApiSession } from './context.js'

const API_SESSION_TTL_MS = 12 * 60 * 60 * 1000
const MAX_TICKETS_PER_ORDER = 10

const registerSchema = z
  .object({
    email: z.email().max(254),
    password: z.string().min(10).max(200),
    name: z.string().trim().min(1).max(100),
    phone: z
      .string()
      .regex(/^\+[1-9]\d{6,14}$/, 'must be an E.164 number such as +15555550123')
      .optional(),
  })
  .strict()
const deviceSchema = z
  .object({ token: z.string().min(8).max(4096), platform: z.enum(['ios', 'android', 'web']) })
  .strict()
const loginSchema = z.object({ email: z.string().max(254), password: z.string().max(200) }).strict()
const eventSchema = z
  .object({
    name: z.string().trim().min(1).max(200),
    venue: z.string().trim().min(1).max(200),
    startsAt: z.iso.datetime(),
    capacity: z.number().int().positive().max(1_000_000),
    priceCents: z.number().int().nonnegative().max(10_000_000),
  })
  .strict()
const orderSchema = z
  .object({
    eventId: z.string().min(1).max(64),
    quantity: z.number().int().positive().max(MAX_TICKETS_PER_ORDER),
  })
  .strict()
const refundSchema = z.object({ reason: z.string().trim().min(1).max(500) }).strict()
const roleSchema = z.object({ role: z.enum(['customer', 'organizer', 'admin']) }).strict()

/** Registers the JSON API: users, sessions, events, orders, refunds and the admin role change. */
export function registerApiRoutes(router: Router, deps: ApiDeps): void {
  const { db, hooks, sessions, now } = deps

  router.on('POST', '/api/users', async ({ req, res }) => {
    const input = await readJson(req, registerSchema)
    const email = input.email.toLowerCase()
    const id = uuidv7()
    const passwordHash = await deps.passwords.hash(input.password)
    const inserted = await db
      .insertInto('tix_users')
      .values({
        id,
        email,
        name: input.name,
        password_hash: passwordHash,
        phone: input.phone ?? null,
        role: 'customer',
        created_at: now().toISOString(),
      })
      .onConflict((oc) => oc.column('email').doNothing())
      .executeTakeFirst()
    if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
      throw new HttpError(409, 'EMAIL_TAKEN', 'an account with this e-mail address exists')
    }
    await hooks.emit('user.registered', {
      actor: { ...actorOf(req), userId: id, email },
      userId: id,
      email,
      name: input.name,
    })
    sendJson(res, 201, { id, email, name: input.name, role: 'customer' })
  })

  router.on('POST', '/api/sessions', async ({ req, res }) => {
    const input = await readJson(req, loginSchema)
    const email = input.email.toLowerCase()
    const actor = actorOf(req)
    // Throttled before the password is hashed: a guesser cannot make the service run scrypt at
    // will. A held-back attempt is still a failed login for the audit trail and the alert rules.
    const decision = deps.loginThrottle.check(email, actor.ip)
    if (!decision.allowed) {
      deps.loginThrottle.failed(email, actor.ip)
      await hooks.emit('user.login', { actor, email, success: false, reason: 'throttled' })
      throw tooManyAttempts(decision.retryAfterMs)
    }
    const user = await db
      .selectFrom('tix_users')
      .select(['id', 'email', 'role', 'password_hash'])
      .where('email', '=', email)
      .executeTakeFirst()
    const ok = await deps.passwords.verify(input.password, user?.password_hash)
    if (!user || !ok) {
      deps.loginThrottle.failed(email, actor.ip)
      await hooks.emit('user.login', {
        actor: { ...actor, ...(user ? { userId: user.id, email: user.email, role: user.role } : {}) },
        email,
        success: false,
        reason: user ? 'bad_password' : 'unknown_user',
      })
      throw new HttpError(401, 'INVALID_CREDENTIALS', 'wrong e-mail address or password')
    }
    deps.loginThrottle.succeeded(email, actor.ip)
    // The login is audited before a session exists: no session is handed out unrecorded.
    await hooks.emit('user.login', {
      actor: { ...actor, userId: user.id, email: user.email, role: user.role },
      email,
      success: true,
    })
    const { token } = await sessions.create(user.id, 'api', API_SESSION_TTL_MS)
    sendJson(res, 201, { token, userId: user.id, role: user.role })
  })

  router.on('GET', '/api/me', async ({ req, res }) => {
    const session = await requireApiSession(deps, req)
    sendJson(res, 200, { id: session.userId, email: session.email, name: session.name, role: session.role })
  })

  router.on('POST', '/api/devices', async ({ req, res }) => {
    const session = await requireApiSession(deps, req)
    const input = await readJson(req, deviceSchema)
    await hooks.emit('device.registered', {
      actor: actorOf(req, session),
      userId: session.userId,
      token: input.token,
      platform: input.platform,
    })
    sendJson(res, 201, { registered: true })
  })

  router.on('GET', '/api/events', async ({ res }) => {
    const rows = await db.selectFrom('tix_events').selectAll().orderBy('starts_at').limit(200).execute()
    sendJson(res, 200, {
      events: rows.map((e) => ({
        id: e.id,
        name: e.name,
        venue: e.venue,
        startsAt: e.starts_at,
        capacity: e.capacity,
        available: e.capacity - e.sold,
        priceCents: e.price_cents,
      })),
    })
  })

  router.on('POST', '/api/events', async ({ req, res }) => {
    await requireApiSession(deps, req, ['organizer', 'admin'])
    const input = await readJson(req, eventSchema)
    const id = uuidv7()
    await db
      .insertInto('tix_events')
      .values({
        id,
        name: input.name,
        venue: input.venue,
        starts_at: new Date(input.startsAt).toISOString(),
        capacity: input.capacity,
        sold: 0,
        price_cents: input.priceCents,
        created_at: now().toISOString(),
      })
      .execute()
    sendJson(res, 201, { id, ...input, available: input.capacity })
  })

  router.on('POST', '/api/orders', async ({ req, res }) => {
    const session = await requireApiSession(deps, req)
    const input = await readJson(req, orderSchema)
    const actor = actorOf(req, session)
    await hooks.emit('purchase.attempt', { actor, eventId: input.eventId, quantity: input.quantity })
    const orderId = uuidv7()
    const created = now().toISOString()
    const result = await retryOnBusy(() =>
      db.transaction().execute(async (trx) => {
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
            user_id: session.userId,
            event_id: event.id,
            status: 'paid',
            total_cents: totalCents,
            ip: actor.ip,
            user_agent: actor.userAgent,
            created_at: created,
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
          .values(
            tickets.map((id) => ({ id, order_id: orderId, event_id: event.id, status: 'valid' as const })),
          )
          .execute()
        return { event, totalCents, tickets }
      }),
    )
    await hooks.emit('order.created', {
      actor,
      orderId,
      eventId: result.event.id,
      eventName: result.event.name,
      quantity: input.quantity,
      totalCents: result.totalCents,
    })
    sendJson(res, 201, { orderId, totalCents: result.totalCents, tickets: result.tickets })
  })

  router.on('GET', '/api/orders/:id', async ({ req, res, params }) => {
    const session = await requireApiSession(deps, req)
    const order = await db
      .selectFrom('tix_orders')
      .selectAll()
      .where('id', '=', params.id ?? '')
      .executeTakeFirst()
    if (!order || (order.user_id !== session.userId && session.role !== 'admin')) {
      throw new HttpError(404, 'ORDER_NOT_FOUND', 'no such order')
    }
    const tickets = await db
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

  router.on('POST', '/api/orders/:id/refund', async ({ req, res, params }) => {
    const session = await requireApiSession(deps, req)
    const input = await readJson(req, refundSchema)
    const refundId = uuidv7()
    const order = await retryOnBusy(() =>
      db.transaction().execute(async (trx) => {
        const row = await trx
          .selectFrom('tix_orders')
          .selectAll()
          .where('id', '=', params.id ?? '')
          .executeTakeFirst()
        if (!row || (row.user_id !== session.userId && session.role !== 'admin')) {
          throw new HttpError(404, 'ORDER_NOT_FOUND', 'no such order')
        }
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
            created_at: now().toISOString(),
          })
          .execute()
        return row
      }),
    )
    await hooks.emit('order.refunded', {
      actor: actorOf(req, session),
      ownerId: order.user_id,
      orderId: order.id,
      refundId,
      amountCents: order.total_cents,
      reason: input.reason,
    })
    sendJson(res, 200, { refundId, orderId: order.id, amountCents: order.total_cents, status: 'refunded' })
  })

  router.on('PUT', '/api/admin/users/:id/role', async ({ req, res, params }) => {
    const session = await requireApiSession(deps, req, ['admin'])
    const input = await readJson(req, roleSchema)
    if (params.id === session.userId) {
      throw new HttpError(409, 'OWN_ROLE', 'an administrator cannot change their own role')
    }
    const before = await retryOnBusy(() =>
      db.transaction().execute(async (trx) => {
        const user = await trx
          .selectFrom('tix_users')
          .select(['id', 'email', 'role'])
          .where('id', '=', params.id ?? '')
          .executeTakeFirst()
        if (!user) throw new HttpError(404, 'USER_NOT_FOUND', 'no such user')
        await trx.updateTable('tix_users').set({ role: input.role }).where('id', '=', user.id).execute()
        return user
      }),
    )
    try {
      await hooks.emit('user.role_changed', {
        actor: actorOf(req, session),
        userId: before.id,
        email: before.email,
        before: before.role,
        after: input.role as Role,
      })
    } catch (error) {
      // An unrecorded privilege change must not stand: put the role back unless it moved since.
      await db
        .updateTable('tix_users')
        .set({ role: before.role })
        .where('id', '=', before.id)
        .where('role', '=', input.role)
        .execute()
      throw error
    }
    sendJson(res, 200, { id: before.id, before: before.role, after: input.role })
  })
}
