import { readFileSync } from 'node:fs'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { constantTimeEqual, type Logger } from '@opskit/core'
import { z } from 'zod'
import { type LoginThrottle, tooManyAttempts } from '../auth/login-throttle.js'
import type { PasswordHasher } from '../auth/passwords.js'
import type { SessionStore } from '../auth/sessions.js'
import type { TicketingDb } from '../db/schema.js'
import { HttpError } from '../http/http-error.js'
import { readJson, sendJson } from '../http/json.js'
import type { RouteContext, Router } from '../http/router.js'
import type { LatencySampler } from '../metrics/latency-sampler.js'
import { actorOf } from '../routes/context.js'
import type { AlertsWiring } from '../wiring/alerts.js'
import type { AuditWiring } from '../wiring/audit.js'
import type { MonitorWiring } from '../wiring/monitor.js'
import type { NotifyWiring } from '../wiring/notify.js'
import type { ReportsWiring } from '../wiring/reports.js'
import { FEATURES } from '../wiring/status.js'

const COOKIE = 'ops_session'
// Over HTTPS the cookie is Secure and host-only with Path=/: the `__Host-` prefix makes browsers
// enforce both, so a sibling subdomain or a plain-HTTP page cannot plant or overwrite it.
const SECURE_COOKIE = `__Host-${COOKIE}`
const DEFAULT_OPS_SESSION_TTL_MS = 8 * 60 * 60 * 1000
const asset = (name: string) => readFileSync(new URL(`./public/${name}`, import.meta.url), 'utf8')
const ASSETS = {
  '/ops': { body: asset('ops.html'), type: 'text/html; charset=utf-8' },
  '/ops/ops.js': { body: asset('ops.js'), type: 'text/javascript; charset=utf-8' },
  '/ops/ops.css': { body: asset('ops.css'), type: 'text/css; charset=utf-8' },
} as const
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
}

const loginSchema = z.object({ email: z.string().max(254), password: z.string().max(200) }).strict()

/** What the operator page needs from the service. */
export interface OpsDeps {
  db: TicketingDb
  sessions: SessionStore
  loginThrottle: LoginThrottle
  passwords: PasswordHasher
  /** How long an operator session lasts. @default 8 hours */
  opsSessionTtlMs?: number
  /** Trust `X-Forwarded-Proto` (the service runs behind a TLS-terminating proxy). */
  trustProxy: boolean
  monitor: MonitorWiring
  audit: AuditWiring
  alerts: AlertsWiring
  notify: NotifyWiring | undefined
  reports: ReportsWiring
  latency: LatencySampler
  logger: Logger
}

function cookieOf(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return rest.join('=')
  }
  return undefined
}

/** The operator page `/ops`: login, state, acknowledgement and a Server-Sent Events stream. */
export function registerOpsRoutes(router: Router, deps: OpsDeps) {
  const { sessions, audit, alerts } = deps
  const sessionTtlMs = deps.opsSessionTtlMs ?? DEFAULT_OPS_SESSION_TTL_MS
  const streams = new Set<{ res: ServerResponse; token: string }>()
  const broadcast = (event: string, data: unknown) => {
    const frame = `event: ${event}\ndata: ${JSON.stringify(data)}\n\n`
    for (const stream of streams) stream.res.write(frame)
  }
  const unsubscribeLatency = deps.latency.subscribe((point) => broadcast('latency', point))
  const unsubscribe = alerts.subscribe((update) => broadcast('alerts', { type: update.type }))
  const heartbeat = setInterval(() => {
    for (const stream of streams) stream.res.write(': keep-alive\n\n')
  }, 15_000)
  heartbeat.unref()

  const isHttps = (req: IncomingMessage) =>
    (req.socket as TLSSocket).encrypted === true ||
    (deps.trustProxy && req.headers['x-forwarded-proto'] === 'https')
  const cookieName = (req: IncomingMessage) => (isHttps(req) ? SECURE_COOKIE : COOKIE)
  const setCookie = (req: IncomingMessage, value: string, maxAgeSeconds: number) =>
    isHttps(req)
      ? `${SECURE_COOKIE}=${value}; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}`
      : `${COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/ops; Max-Age=${maxAgeSeconds}`

  const session = async (ctx: RouteContext) => {
    const token = cookieOf(ctx.req.headers.cookie, cookieName(ctx.req))
    const found = await sessions.find(token, 'ops')
    if (!found || !token) throw new HttpError(401, 'UNAUTHENTICATED', 'log in first')
    return { ...found, token }
  }
  const withCsrf = async (ctx: RouteContext) => {
    const s = await session(ctx)
    const header = ctx.req.headers['x-csrf-token']
    if (typeof header !== 'string' || !constantTimeEqual(header, s.csrfToken)) {
      throw new HttpError(403, 'CSRF', 'missing or wrong CSRF token')
    }
    return s
  }

  for (const [path, file] of Object.entries(ASSETS)) {
    router.on('GET', path, ({ res }) => {
      res.writeHead(200, { 'content-type': file.type, ...SECURITY_HEADERS })
      res.end(file.body)
    })
  }

  router.on('POST', '/ops/login', async ({ req, res }) => {
    // A JSON body cannot be posted cross-site without a CORS preflight, which this server never grants.
    if (!req.headers['content-type']?.startsWith('application/json')) {
      throw new HttpError(415, 'JSON_ONLY', 'send the login as application/json')
    }
    const input = await readLogin(req)
    const email = input.email.toLowerCase()
    const actor = actorOf(req)
    const decision = deps.loginThrottle.check(email, actor.ip)
    if (!decision.allowed) {
      deps.loginThrottle.failed(email, actor.ip)
      await recordLogin(deps, {
        action: 'ops.login',
        actor: { id: `anonymous:${email}`, type: 'anonymous', ...auditClient(actor) },
        outcome: 'failure',
        severity: 'warning',
        reason: 'throttled',
      })
      throw tooManyAttempts(decision.retryAfterMs)
    }
    const user = await deps.db
      .selectFrom('tix_users')
      .select(['id', 'email', 'role', 'password_hash'])
      .where('email', '=', email)
      .executeTakeFirst()
    const ok = await deps.passwords.verify(input.password, user?.password_hash)
    if (!user || !ok || user.role !== 'admin') {
      if (!user || !ok) deps.loginThrottle.failed(email, actor.ip)
      await recordLogin(deps, {
        action: 'ops.login',
        actor: {
          id: user?.id ?? `anonymous:${email}`,
          type: user ? 'user' : 'anonymous',
          ...auditClient(actor),
        },
        outcome: 'failure',
        severity: 'warning',
        reason: !user || !ok ? 'wrong credentials' : 'not an administrator',
      })
      throw new HttpError(401, 'INVALID_CREDENTIALS', 'wrong e-mail address or password, or not an operator')
    }
    deps.loginThrottle.succeeded(email, actor.ip)
    await recordLogin(deps, {
      action: 'ops.login',
      actor: { id: user.id, type: 'user', email: user.email, role: user.role, ...auditClient(actor) },
    })
    const created = await sessions.create(user.id, 'ops', sessionTtlMs)
    sendJson(
      res,
      200,
      { csrfToken: created.csrfToken, email: user.email },
      { 'set-cookie': setCookie(req, created.token, Math.floor(sessionTtlMs / 1000)) },
    )
  })

  router.on('POST', '/ops/logout', async (ctx) => {
    const s = await withCsrf(ctx)
    await sessions.revoke(s.token)
    for (const stream of streams) if (stream.token === s.token) stream.res.end()
    sendJson(ctx.res, 200, { ok: true }, { 'set-cookie': setCookie(ctx.req, '', 0) })
  })

  router.on('GET', '/ops/api/state', async (ctx) => {
    const s = await session(ctx)
    const [health, page, verify, history] = await Promise.all([
      deps.monitor.monitor.health.run('readiness'),
      audit.log.query({ limit: 50 }),
      audit.log.verify({ publicKey: audit.publicKey, checkpoint: audit.checkpoints }),
      deps.reports.reports.history({ limit: 20 }),
    ])
    const notifications: Record<string, number> = { 'ops-console': alerts.notifications.length }
    for (const [channel, byStatus] of Object.entries(deps.notify?.counts ?? {})) {
      for (const [status, count] of Object.entries(byStatus)) notifications[`${channel} ${status}`] = count
    }
    sendJson(ctx.res, 200, {
      user: { email: s.email, name: s.name },
      csrfToken: s.csrfToken,
      health,
      alerts: alerts
        .instances()
        .filter((i) => i.state !== 'inactive')
        .map((i) => ({
          rule: i.rule,
          state: i.state,
          value: i.value,
          summary: i.annotations.summary ?? '',
          severity: i.labels.severity ?? '',
          activeAt: i.activeAt,
          firedAt: i.firedAt,
        })),
      incidents: alerts
        .incidents()
        .slice(-20)
        .reverse()
        .map((i) => ({
          id: i.id,
          title: i.title,
          status: i.status,
          triggeredAt: i.triggeredAt,
          acknowledgedAt: i.acknowledgedAt,
          acknowledgedBy: i.acknowledgedBy,
          resolvedAt: i.resolvedAt,
        })),
      audit: {
        verify: { ok: verify.ok, checked: verify.checked, failures: verify.failures.length },
        events: page.events.map((e) => ({
          seq: e.seq,
          at: e.occurredAt,
          action: e.action,
          outcome: e.outcome,
          actor: e.actor.email ?? e.actor.id,
          target: e.target ? `${e.target.type}${e.target.id ? `:${e.target.id}` : ''}` : '',
        })),
      },
      notifications,
      reports: history.map((run) => ({
        id: run.id,
        report: run.report,
        format: run.format,
        status: run.status,
        rows: run.rows,
        bytes: run.bytes,
        filename: run.filename,
        at: run.startedAt.getTime(),
      })),
      latency: deps.latency.points(),
      features: Object.fromEntries(Object.entries(FEATURES).map(([k, v]) => [k, v.wired])),
    })
  })

  router.on('POST', '/ops/api/incidents/:id/ack', async (ctx) => {
    const s = await withCsrf(ctx)
    const id = ctx.params.id ?? ''
    if (!alerts.incidents().some((i) => i.id === id))
      throw new HttpError(404, 'INCIDENT_NOT_FOUND', 'no such incident')
    const incident = await alerts.acknowledge(id, s.email)
    await audit.log.log({
      action: 'alert.acknowledge',
      category: 'admin',
      actor: {
        id: s.userId,
        type: 'user',
        email: s.email,
        role: s.role,
        ...auditClient(actorOf(ctx.req, s)),
      },
      target: { type: 'incident', id: incident.id, name: incident.title.slice(0, 250) },
      after: { status: incident.status },
    })
    broadcast('alerts', { type: 'incident' })
    sendJson(ctx.res, 200, {
      id: incident.id,
      status: incident.status,
      acknowledgedBy: incident.acknowledgedBy,
    })
  })

  router.on('POST', '/ops/api/reports/:id/link', async (ctx) => {
    await withCsrf(ctx)
    // A short-lived, single-use link: the page navigates to it at once.
    const link = await deps.reports.reports.createDownloadLink(ctx.params.id ?? '', {
      expiresInMs: 60_000,
      maxDownloads: 1,
    })
    sendJson(ctx.res, 201, { url: link.url, expiresAt: link.expiresAt.toISOString() })
  })

  router.on('GET', '/ops/events', async (ctx) => {
    const s = await session(ctx)
    ctx.res.writeHead(200, {
      'content-type': 'text/event-stream; charset=utf-8',
      'cache-control': 'no-store',
      connection: 'keep-alive',
      'x-accel-buffering': 'no',
    })
    ctx.res.write('retry: 2000\n\n')
    const stream = { res: ctx.res, token: s.token }
    streams.add(stream)
    // The stream ends with its session: a client must log in again to keep receiving updates.
    const expiry = setTimeout(() => ctx.res.end(), Math.max(0, s.expiresAt.getTime() - Date.now()))
    expiry.unref()
    ctx.req.on('close', () => {
      clearTimeout(expiry)
      streams.delete(stream)
    })
  })

  return {
    close() {
      unsubscribeLatency()
      unsubscribe()
      clearInterval(heartbeat)
      for (const stream of streams) stream.res.end()
      streams.clear()
    },
  }
}

/** Reads the login body; a malformed one gets one plain message, never the validator's. */
async function readLogin(req: IncomingMessage): Promise<z.output<typeof loginSchema>> {
  try {
    return await readJson(req, loginSchema)
  } catch (error) {
    if (error instanceof HttpError && error.status === 413) throw error
    throw new HttpError(400, 'INVALID_LOGIN', 'send an e-mail address and a password')
  }
}

/** Writes an operator login to the audit trail; when that fails the login fails (closed). */
async function recordLogin(deps: OpsDeps, event: Parameters<AuditWiring['log']['logLogin']>[0]) {
  try {
    await deps.audit.log.logLogin(event)
  } catch (error) {
    deps.logger.error({ err: error }, 'operator login could not be audited')
    throw new HttpError(
      503,
      'AUDIT_UNAVAILABLE',
      'the login could not be recorded; try again later',
      undefined,
      {
        'retry-after': '5',
      },
    )
  }
}

function auditClient(actor: { ip: string; userAgent: string }) {
  const ip = actor.ip.startsWith('::ffff:') ? actor.ip.slice(7) : actor.ip
  return { ...(ip !== 'unknown' ? { ip } : {}), ...(actor.userAgent ? { userAgent: actor.userAgent } : {}) }
}
