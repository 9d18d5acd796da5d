import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN, startTestService, type TestService } from './helpers.js'

describe('the operator page over HTTP', () => {
  let t: TestService
  const post = (path: string, body: unknown, headers: Record<string, string> = {}) =>
    fetch(`${t.service.url}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(body),
    })

  beforeAll(async () => {
    t = await startTestService({ alertEvaluationMs: 200 })
  })
  afterAll(async () => {
    await t?.stop()
  })

  it('serves the page with a strict content security policy', async () => {
    const page = await fetch(`${t.service.url}/ops`)
    expect(page.status).toBe(200)
    expect(page.headers.get('content-security-policy')).toContain("script-src 'self'")
    expect(await page.text()).toContain('<script src="/ops/ops.js" defer></script>')
  })

  it('refuses state and the live stream without a session, and non-operators at login', async () => {
    expect((await fetch(`${t.service.url}/ops/api/state`)).status).toBe(401)
    const stream = await fetch(`${t.service.url}/ops/events`)
    expect(stream.status).toBe(401)
    expect(stream.headers.get('content-type')).not.toContain('event-stream')
    await t.call('POST', '/api/users', { email: 'eve@example.test', password: 'eves-password', name: 'Eve' })
    expect((await post('/ops/login', { email: 'eve@example.test', password: 'eves-password' })).status).toBe(
      401,
    )
    expect((await post('/ops/login', { email: ADMIN.email, password: 'wrong' })).status).toBe(401)
    const form = await fetch(`${t.service.url}/ops/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `email=${encodeURIComponent(ADMIN.email)}&password=${encodeURIComponent(ADMIN.password)}`,
    })
    expect(form.status).toBe(415)
  })

  it('logs in with an HttpOnly SameSite=Strict cookie and requires the CSRF token on POSTs', async () => {
    const login = await post('/ops/login', ADMIN)
    expect(login.status).toBe(200)
    const setCookie = login.headers.get('set-cookie') ?? ''
    expect(setCookie).toMatch(/^ops_session=[\w-]{40,};/)
    expect(setCookie).toContain('HttpOnly')
    expect(setCookie).toContain('SameSite=Strict')
    const cookie = setCookie.split(';')[0] as string
    const { csrfToken } = (await login.json()) as { csrfToken: string }

    for (let i = 0; i < 8; i++)
      await t.call('POST', '/api/sessions', { email: ADMIN.email, password: 'nope' })
    let incidentId: string | undefined
    for (let i = 0; i < 50 && !incidentId; i++) {
      await new Promise((resolve) => setTimeout(resolve, 200))
      incidentId = t.service.alerts.incidents().find((x) => x.status === 'triggered')?.id
    }
    expect(
      incidentId,
      JSON.stringify([t.service.alerts.transitions, t.service.alerts.incidents()]),
    ).toBeDefined()

    const noToken = await post(`/ops/api/incidents/${incidentId}/ack`, {}, { cookie })
    expect(noToken.status).toBe(403)
    const wrongToken = await post(`/ops/api/incidents/${incidentId}/ack`, {}, { cookie, 'x-csrf-token': 'x' })
    expect(wrongToken.status).toBe(403)
    expect(t.service.alerts.incidents().find((x) => x.id === incidentId)?.status).toBe('triggered')
    const ack = await post(`/ops/api/incidents/${incidentId}/ack`, {}, { cookie, 'x-csrf-token': csrfToken })
    expect(ack.status).toBe(200)
    expect(await ack.json()).toMatchObject({ status: 'acknowledged', acknowledgedBy: ADMIN.email })

    const state = await fetch(`${t.service.url}/ops/api/state`, { headers: { cookie } })
    const body = (await state.json()) as {
      audit: { verify: { ok: boolean }; events: Array<{ action: string; actor: string }> }
      alerts: Array<{ rule: string; state: string }>
    }
    expect(body.audit.verify.ok).toBe(true)
    expect(body.audit.events[0]).toMatchObject({ action: 'alert.acknowledge', actor: ADMIN.email })
    expect(body.alerts).toContainEqual(
      expect.objectContaining({ rule: 'LoginFailureBurst', state: 'firing' }),
    )

    const stream = await fetch(`${t.service.url}/ops/events`, { headers: { cookie } })
    expect(stream.status).toBe(200)
    expect(stream.headers.get('content-type')).toContain('text/event-stream')
    const reader = stream.body!.getReader()
    let text = ''
    const browsing = setInterval(() => void t.call('GET', '/api/events'), 100)
    const deadline = Date.now() + 10_000
    try {
      while (!text.includes('event: latency') && Date.now() < deadline) {
        text += new TextDecoder().decode((await reader.read()).value)
      }
    } finally {
      clearInterval(browsing)
    }
    expect(text).toMatch(/data: \{"at":\d+,"meanMs":\d+,"requests":\d+\}/)
    await reader.cancel()

    const logout = await post('/ops/logout', {}, { cookie, 'x-csrf-token': csrfToken })
    expect(logout.status).toBe(200)
    expect((await fetch(`${t.service.url}/ops/api/state`, { headers: { cookie } })).status).toBe(401)
  })
})
