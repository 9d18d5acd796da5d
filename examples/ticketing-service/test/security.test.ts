import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest'
import { createLoginThrottle } from '../src/auth/login-throttle.js'
import { ADMIN, startTestService, type TestService } from './helpers.js'

// Attacks on the example host, written before their fixes (issue 16 items 2 and 15): each failed
// on the service as it was (unthrottled logins, audit failures ignored, validator messages shown).

const json = (body: unknown, headers: Record<string, string> = {}) => ({
  method: 'POST',
  headers: { 'content-type': 'application/json', ...headers },
  body: JSON.stringify(body),
})

describe('login throttling', () => {
  let t: TestService
  beforeAll(async () => {
    t = await startTestService()
  })
  afterAll(async () => {
    await t?.stop()
  })

  it('holds back a password guesser on /ops/login before hashing, with 429 and Retry-After', async () => {
    const statuses: number[] = []
    let retryAfter: string | null = null
    for (let i = 0; i < 20; i++) {
      const res = await fetch(
        `${t.service.url}/ops/login`,
        json({ email: ADMIN.email, password: `guess-${i}` }),
      )
      statuses.push(res.status)
      if (res.status === 429) retryAfter ??= res.headers.get('retry-after')
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401])
    expect(statuses.slice(5).every((s) => s === 429)).toBe(true)
    expect(Number(retryAfter)).toBeGreaterThanOrEqual(1)
    // Held-back attempts are still failed logins in the audit trail.
    const page = await t.service.audit.log.query({ action: 'ops.login', outcome: 'failure', limit: 100 })
    expect(page.events.filter((e) => e.reason === 'throttled').length).toBe(15)
  })

  it('holds back password spraying: one address, many accounts', async () => {
    // The 20 guesses above came from this test's address (loopback); a 21st account is held back.
    const res = await t.call('POST', '/api/sessions', { email: 'other@example.test', password: 'nope' })
    expect(res.status).toBe(429)
  })
})

describe('login throttling on the API', () => {
  let t: TestService
  beforeAll(async () => {
    t = await startTestService()
  })
  afterAll(async () => {
    await t?.stop()
  })

  it('throttles /api/sessions the same way and counts held-back attempts as failed logins', async () => {
    await t.call('POST', '/api/users', { email: 'kim@example.test', password: 'kims-password', name: 'Kim' })
    const statuses: number[] = []
    for (let i = 0; i < 8; i++) {
      statuses.push(
        (await t.call('POST', '/api/sessions', { email: 'kim@example.test', password: 'nope' })).status,
      )
    }
    expect(statuses).toEqual([401, 401, 401, 401, 401, 429, 429, 429])
    const metrics = await t.service.monitor.monitor.registry.metrics()
    expect(metrics).toMatch(/ticketing_logins_total\{outcome="failure"\} ([89]|\d\d)/)
  })

  it('never lets a guesser elsewhere lock the real user out for long', () => {
    let now = 0
    const throttle = createLoginThrottle({ now: () => now })
    for (let i = 0; i < 500; i++) {
      // A distributed guesser: many addresses, one account.
      throttle.failed('ann@example.test', `203.0.113.${i % 250}`)
    }
    const fromHome = throttle.check('ann@example.test', '198.51.100.9')
    expect(fromHome.allowed).toBe(false)
    if (!fromHome.allowed) expect(fromHome.retryAfterMs).toBeLessThanOrEqual(60_000)
    now += 60_001
    expect(throttle.check('ann@example.test', '198.51.100.9').allowed).toBe(true)
    // A guesser at one address is held back far longer than the account ever is.
    for (let i = 0; i < 15; i++) throttle.failed('ann@example.test', '203.0.113.7')
    const guesser = throttle.check('ann@example.test', '203.0.113.7')
    expect(guesser.allowed).toBe(false)
    if (!guesser.allowed) expect(guesser.retryAfterMs).toBeGreaterThan(10 * 60_000)
  })

  it('keeps a bounded number of keys however many accounts are tried', () => {
    const throttle = createLoginThrottle({ maxKeys: 1_000 })
    for (let i = 0; i < 100_000; i++) throttle.failed(`user${i}@example.test`, `10.0.${i % 256}.${i % 7}`)
    expect(throttle.size()).toBeLessThanOrEqual(1_000)
  })
})

describe('audit records an attacker cannot suppress, and fail closed', () => {
  let t: TestService
  let adminToken: string
  beforeAll(async () => {
    t = await startTestService()
    adminToken = await t.login(ADMIN.email, ADMIN.password)
  })
  afterAll(async () => {
    await t?.stop()
  })

  it('audits a login whose User-Agent holds a control character', async () => {
    await t.call('POST', '/api/users', { email: 'tab@example.test', password: 'tab-password', name: 'Tab' })
    const res = await fetch(
      `${t.service.url}/api/sessions`,
      json({ email: 'tab@example.test', password: 'tab-password' }, { 'user-agent': 'Mozilla/5.0\tx' }),
    )
    expect(res.status).toBe(201)
    const page = await t.service.audit.log.query({ action: 'user.login', outcome: 'success', limit: 10 })
    const event = page.events.find((e) => e.actor.email === 'tab@example.test')
    expect(event?.actor.userAgent).toMatch(/^Mozilla\/5\.0/)
    expect(event?.actor.userAgent).not.toMatch(/\t/)
    expect(event?.sanitized).toContain('actor.userAgent')
  })

  it('audits a failed login for an over-long, malformed e-mail address', async () => {
    const typed = `${'x'.repeat(240)}@\n.example`
    const res = await t.call('POST', '/api/sessions', { email: typed, password: 'whatever' })
    expect(res.status).toBe(401)
    const page = await t.service.audit.log.query({ action: 'user.login', outcome: 'failure', limit: 10 })
    expect(page.events.some((e) => e.actor.id.startsWith('anonymous:xxxx'))).toBe(true)
  })

  it('fails a login whose audit record cannot be written, and hands out no session', async () => {
    await t.call('POST', '/api/users', { email: 'lee@example.test', password: 'lees-password', name: 'Lee' })
    const spy = vi.spyOn(t.service.audit.log, 'logLogin').mockRejectedValue(new Error('disk full'))
    try {
      const api = await t.call('POST', '/api/sessions', {
        email: 'lee@example.test',
        password: 'lees-password',
      })
      expect(api.status).toBe(503)
      expect(api.json.error.code).toBe('AUDIT_UNAVAILABLE')
      expect(api.json.token).toBeUndefined()
      const ops = await fetch(`${t.service.url}/ops/login`, json(ADMIN))
      expect(ops.status).toBe(503)
      expect(ops.headers.get('set-cookie')).toBeNull()
    } finally {
      spy.mockRestore()
    }
  })

  it('puts a role change back when its audit record cannot be written', async () => {
    const user = await t.call('POST', '/api/users', {
      email: 'max@example.test',
      password: 'maxs-password',
      name: 'Max',
    })
    const spy = vi.spyOn(t.service.audit.log, 'logPermissionChange').mockRejectedValue(new Error('disk full'))
    try {
      const res = await t.call('PUT', `/api/admin/users/${user.json.id}/role`, { role: 'admin' }, adminToken)
      expect(res.status).toBe(503)
    } finally {
      spy.mockRestore()
    }
    const row = await t.service.db
      .selectFrom('tix_users')
      .select('role')
      .where('id', '=', user.json.id)
      .executeTakeFirstOrThrow()
    expect(row.role).toBe('customer')
  })

  it('answers a malformed operator login without the validator’s messages', async () => {
    const res = await fetch(
      `${t.service.url}/ops/login`,
      json({ email: 'a'.repeat(300), password: 1, extra: true }),
    )
    expect(res.status).toBe(400)
    const body = (await res.json()) as { error: { code: string; message: string; details?: unknown } }
    expect(body.error).toEqual({ code: 'INVALID_LOGIN', message: 'send an e-mail address and a password' })
  })
})

describe('operator sessions', () => {
  let t: TestService
  beforeAll(async () => {
    t = await startTestService({ trustProxy: true, opsSessionTtlMs: 1_500 })
  })
  afterAll(async () => {
    await t?.stop()
  })

  it('sets a Secure __Host- cookie over HTTPS (behind a trusted proxy) and reads only that one', async () => {
    const login = await fetch(`${t.service.url}/ops/login`, json(ADMIN, { 'x-forwarded-proto': 'https' }))
    expect(login.status).toBe(200)
    const setCookie = login.headers.get('set-cookie') ?? ''
    expect(setCookie).toMatch(/^__Host-ops_session=[\w-]{40,};/)
    expect(setCookie).toContain('; Secure')
    expect(setCookie).toContain('Path=/;')
    const cookie = setCookie.split(';')[0] as string
    const state = await fetch(`${t.service.url}/ops/api/state`, {
      headers: { cookie, 'x-forwarded-proto': 'https' },
    })
    expect(state.status).toBe(200)
    // The same token under the plain name is not accepted over HTTPS.
    const plain = await fetch(`${t.service.url}/ops/api/state`, {
      headers: { cookie: cookie.replace('__Host-', ''), 'x-forwarded-proto': 'https' },
    })
    expect(plain.status).toBe(401)
  })

  it('ends the event stream when its session expires', async () => {
    const login = await fetch(`${t.service.url}/ops/login`, json(ADMIN))
    const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] as string
    expect(cookie).toMatch(/^ops_session=/)
    const started = Date.now()
    const stream = await fetch(`${t.service.url}/ops/events`, { headers: { cookie } })
    expect(stream.status).toBe(200)
    const reader = stream.body?.getReader()
    const ended = (async () => {
      for (;;) {
        const chunk = await reader?.read()
        if (!chunk || chunk.done) return Date.now() - started
      }
    })()
    const elapsed = await Promise.race([ended, new Promise<number>((r) => setTimeout(() => r(-1), 10_000))])
    expect(elapsed).toBeGreaterThan(0)
    expect(elapsed).toBeLessThan(5_000)
  })
})
