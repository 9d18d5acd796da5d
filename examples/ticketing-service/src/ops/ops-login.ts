import type { IncomingMessage } from 'node:http'
import { z } from 'zod'
import { checkCredentials } from '../auth/credentials.js'
import { tooManyAttempts } from '../auth/login-throttle.js'
import { HttpError } from '../http/http-error.js'
import { readJson, sendJson } from '../http/json.js'
import type { RouteContext, Router } from '../http/router.js'
import { actorOf } from '../routes/context.js'
import type { AuditWiring } from '../wiring/audit.js'
import { auditClient } from './audit-client.js'
import type { OpsDeps } from './ops-deps.js'
import type { OpsSessionGuard } from './ops-session.js'
import type { OpsEventStream } from './ops-stream.js'

const DEFAULT_OPS_SESSION_TTL_MS = 8 * 60 * 60 * 1000

const loginSchema = z.object({ email: z.string().max(254), password: z.string().max(200) }).strict()

/** Registers `POST /ops/login` (administrators only, throttled, audited) and `POST /ops/logout`. */
export function registerOpsLoginRoutes(
  router: Router,
  deps: OpsDeps,
  guard: OpsSessionGuard,
  stream: OpsEventStream,
): void {
  router.on('POST', '/ops/login', (ctx) => logInOperator(deps, guard, ctx))

  router.on('POST', '/ops/logout', async (ctx) => {
    const s = await guard.withCsrf(ctx)
    await deps.sessions.revoke(s.token)
    stream.endSession(s.token)
    sendJson(ctx.res, 200, { ok: true }, { 'set-cookie': guard.setCookie(ctx.req, '', 0) })
  })
}

/** `POST /ops/login`: an administrator's password login; sets the session cookie, answers the CSRF token. */
async function logInOperator(
  deps: OpsDeps,
  guard: OpsSessionGuard,
  { req, res }: RouteContext,
): Promise<void> {
  const sessionTtlMs = deps.opsSessionTtlMs ?? DEFAULT_OPS_SESSION_TTL_MS
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
  const { user, ok } = await checkCredentials(deps, email, input.password)
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
  const created = await deps.sessions.create(user.id, 'ops', sessionTtlMs)
  sendJson(
    res,
    200,
    { csrfToken: created.csrfToken, email: user.email },
    { 'set-cookie': guard.setCookie(req, created.token, Math.floor(sessionTtlMs / 1000)) },
  )
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
