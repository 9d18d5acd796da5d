import { tempSqlitePath } from '@opskit/test-support'
import { startTicketingService, type TicketingService, type TicketingServiceOptions } from '../src/index.js'

export const ADMIN = { email: 'admin@example.test', password: 'correct horse battery staple' }
export const METRICS = { username: 'prometheus', password: 'scrape-secret-123' }

/** A service on a fresh SQLite temp file and a loopback port, plus a small JSON client. */
export async function startTestService(overrides: Partial<TicketingServiceOptions> = {}) {
  const file = tempSqlitePath('ticketing.db')
  const service = await startTicketingService({
    dbPath: file.path,
    admin: ADMIN,
    metricsAuth: METRICS,
    // Cheaper than the service's default (OWASP's floor, N = 2^17) so the suite stays quick.
    scryptCost: { N: 2 ** 14, r: 8, p: 1 },
    ...overrides,
  })
  const call = async (method: string, path: string, body?: unknown, token?: string) => {
    const response = await fetch(`${service.url}${path}`, {
      method,
      headers: {
        ...(body === undefined ? {} : { 'content-type': 'application/json' }),
        ...(token ? { authorization: `Bearer ${token}` } : {}),
      },
      ...(body === undefined ? {} : { body: typeof body === 'string' ? body : JSON.stringify(body) }),
    })
    const text = await response.text()
    // biome-ignore lint/suspicious/noExplicitAny: test responses are inspected field by field.
    const json: any =
      text && response.headers.get('content-type')?.includes('json') ? JSON.parse(text) : undefined
    return { status: response.status, json, text, headers: response.headers }
  }
  const login = async (email: string, password: string): Promise<string> => {
    const res = await call('POST', '/api/sessions', { email, password })
    if (res.status !== 201) throw new Error(`login failed: ${res.status} ${res.text}`)
    return res.json.token as string
  }
  return {
    service,
    call,
    login,
    async stop(this: void) {
      await service.close()
      file.cleanup()
    },
  }
}

export type TestService = Awaited<ReturnType<typeof startTestService>>
export type { TicketingService }
