import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN, METRICS, startTestService, type TestService } from './helpers.js'

describe('ticketing service on node:http and SQLite', () => {
  let t: TestService
  let adminToken: string
  let eventId: string

  beforeAll(async () => {
    t = await startTestService()
    adminToken = await t.login(ADMIN.email, ADMIN.password)
    const event = await t.call(
      'POST',
      '/api/events',
      {
        name: 'Jazz Night',
        venue: 'Hall A',
        startsAt: '2027-01-15T20:00:00Z',
        capacity: 5,
        priceCents: 4500,
      },
      adminToken,
    )
    expect(event.status).toBe(201)
    eventId = event.json.id
  })
  afterAll(async () => {
    await t?.stop()
  })

  it('registers a user once and refuses the same e-mail address again', async () => {
    const first = await t.call('POST', '/api/users', {
      email: 'Ann@Example.test',
      password: 'long-enough-pw',
      name: 'Ann',
    })
    expect(first.status).toBe(201)
    expect(first.json).toMatchObject({ email: 'ann@example.test', role: 'customer' })
    const again = await t.call('POST', '/api/users', {
      email: 'ann@example.test',
      password: 'another-password',
      name: 'A',
    })
    expect(again.status).toBe(409)
    expect(again.json.error.code).toBe('EMAIL_TAKEN')
    const row = await t.service.db
      .selectFrom('tix_users')
      .select('password_hash')
      .where('email', '=', 'ann@example.test')
      .executeTakeFirstOrThrow()
    expect(row.password_hash).toMatch(/^scrypt\$16384\$8\$1\$/)
    expect(row.password_hash).not.toContain('long-enough-pw')
  })

  it('validates input and names the offending fields', async () => {
    const bad = await t.call('POST', '/api/users', { email: 'not-an-email', password: 'short', name: '' })
    expect(bad.status).toBe(400)
    expect(bad.json.error.code).toBe('INVALID_INPUT')
    expect(bad.json.error.message).toContain('email')
    expect(bad.json.error.message).toContain('password')
    const notJson = await t.call('POST', '/api/users', '{oops')
    expect(notJson.status).toBe(400)
    expect(notJson.json.error.code).toBe('INVALID_JSON')
  })

  it('logs in with the right password only, the same way for unknown users', async () => {
    await t.call('POST', '/api/users', { email: 'bob@example.test', password: 'bobs-password', name: 'Bob' })
    const wrong = await t.call('POST', '/api/sessions', { email: 'bob@example.test', password: 'nope' })
    const unknown = await t.call('POST', '/api/sessions', { email: 'nobody@example.test', password: 'nope' })
    expect(wrong.status).toBe(401)
    expect(unknown.status).toBe(401)
    expect(wrong.json).toEqual(unknown.json)
    const token = await t.login('bob@example.test', 'bobs-password')
    const me = await t.call('GET', '/api/me', undefined, token)
    expect(me.json).toMatchObject({ email: 'bob@example.test', role: 'customer' })
    expect((await t.call('GET', '/api/me', undefined, 'forged-token')).status).toBe(401)
  })

  it('sells tickets up to the capacity and not one more, then refunds once', async () => {
    await t.call('POST', '/api/users', { email: 'cy@example.test', password: 'cys-password', name: 'Cy' })
    const token = await t.login('cy@example.test', 'cys-password')
    const orders = await Promise.all(
      [2, 2, 2].map((quantity) => t.call('POST', '/api/orders', { eventId, quantity }, token)),
    )
    const statuses = orders.map((o) => o.status).sort()
    expect(statuses).toEqual([201, 201, 409])
    expect(orders.find((o) => o.status === 409)?.json.error.code).toBe('SOLD_OUT')
    const paid = orders.find((o) => o.status === 201)!
    expect(paid.json.tickets).toHaveLength(2)
    expect(paid.json.totalCents).toBe(9000)

    const events = await t.call('GET', '/api/events')
    expect(events.json.events[0]).toMatchObject({ id: eventId, available: 1 })

    const other = await t.login('bob@example.test', 'bobs-password')
    const foreign = await t.call('POST', `/api/orders/${paid.json.orderId}/refund`, { reason: 'x' }, other)
    expect(foreign.status).toBe(404)

    const refund = await t.call(
      'POST',
      `/api/orders/${paid.json.orderId}/refund`,
      { reason: 'cannot attend' },
      token,
    )
    expect(refund.status).toBe(200)
    expect(refund.json).toMatchObject({ amountCents: 9000, status: 'refunded' })
    const twice = await t.call('POST', `/api/orders/${paid.json.orderId}/refund`, { reason: 'again' }, token)
    expect(twice.status).toBe(409)
    const order = await t.call('GET', `/api/orders/${paid.json.orderId}`, undefined, token)
    expect(order.json.status).toBe('refunded')
    expect(order.json.tickets.every((ticket: { status: string }) => ticket.status === 'void')).toBe(true)
    expect((await t.call('GET', '/api/events')).json.events[0].available).toBe(3)
  })

  it('lets only an administrator change a role', async () => {
    const created = await t.call('POST', '/api/users', {
      email: 'dee@example.test',
      password: 'dees-password',
      name: 'Dee',
    })
    const deeToken = await t.login('dee@example.test', 'dees-password')
    const denied = await t.call(
      'PUT',
      `/api/admin/users/${created.json.id}/role`,
      { role: 'admin' },
      deeToken,
    )
    expect(denied.status).toBe(403)
    const changed = await t.call(
      'PUT',
      `/api/admin/users/${created.json.id}/role`,
      { role: 'organizer' },
      adminToken,
    )
    expect(changed.json).toEqual({ id: created.json.id, before: 'customer', after: 'organizer' })
    const event = await t.call(
      'POST',
      '/api/events',
      { name: 'Talk', venue: 'Room 1', startsAt: '2027-02-01T18:00:00Z', capacity: 10, priceCents: 0 },
      deeToken,
    )
    expect(event.status).toBe(201)
  })

  it('writes every domain event to the audit chain, which verifies', async () => {
    const { log, publicKey } = t.service.audit
    await log.flush()
    const logins = await log.query({ action: 'user.login', outcome: 'failure', limit: 50 })
    expect(logins.events.length).toBeGreaterThanOrEqual(2)
    expect(logins.events[0]?.severity).toBe('warning')
    const roles = await log.query({ actionPrefix: 'permission', limit: 10 })
    expect(roles.events[0]).toMatchObject({ before: { role: 'customer' }, after: { role: 'organizer' } })
    const refunds = await log.query({ action: 'order.refund', limit: 10 })
    expect(refunds.events[0]).toMatchObject({ category: 'payment', after: { status: 'refunded' } })
    const checkpoints = await log.checkpoint()
    const result = await log.verify({ publicKey, checkpoint: checkpoints })
    expect(result.ok).toBe(true)
    expect(result.checked).toBeGreaterThan(10)
  })

  it('answers unknown routes and wrong methods with JSON errors', async () => {
    expect((await t.call('GET', '/api/nothing')).status).toBe(404)
    expect((await t.call('DELETE', '/api/events')).status).toBe(405)
  })

  it('serves health probes and RED metrics behind Basic auth', async () => {
    const ready = await t.call('GET', '/readyz')
    expect(ready.status).toBe(200)
    expect(ready.headers.get('content-type')).toContain('application/health+json')
    expect((await fetch(`${t.service.url}/metrics`)).status).toBe(401)
    const auth = Buffer.from(`${METRICS.username}:${METRICS.password}`).toString('base64')
    const metrics = await fetch(`${t.service.url}/metrics`, { headers: { authorization: `Basic ${auth}` } })
    expect(metrics.status).toBe(200)
    const text = await metrics.text()
    expect(text).toMatch(
      /http_server_request_duration_seconds_count\{[^}]*route="\/api\/orders\/:id\/refund"/,
    )
    expect(text).toMatch(/ticketing_tickets_sold_total \d/)
    expect(text).toMatch(/ticketing_logins_total\{outcome="failure"\} [1-9]/)
  })
})
