import type { IncomingMessage } from 'node:http'
import type { TLSSocket } from 'node:tls'
import { constantTimeEqual } from '@opskit/core'
import type { Session } from '../auth/sessions.js'
import { HttpError } from '../http/http-error.js'
import type { RouteContext } from '../http/router.js'
import type { OpsDeps } from './ops-deps.js'

const COOKIE = 'ops_session'
// Over HTTPS the cookie is Secure and host-only with Path=/: the `__Host-` prefix makes browsers
// enforce both, so a sibling subdomain or a plain-HTTP page cannot plant or overwrite it.
const SECURE_COOKIE = `__Host-${COOKIE}`

/** An operator session with the cookie token it was found by. */
export type OpsSession = Session & { token: string }

/** The operator page's cookie session: reading it, checking the CSRF header, writing the cookie. */
export interface OpsSessionGuard {
  /** The request's operator session, or 401. */
  session(ctx: RouteContext): Promise<OpsSession>
  /** The session of a state-changing request, which must carry its CSRF token (else 403). */
  withCsrf(ctx: RouteContext): Promise<OpsSession>
  /** The `set-cookie` value that stores `value` for `maxAgeSeconds` (0 clears it). */
  setCookie(req: IncomingMessage, value: string, maxAgeSeconds: number): string
}

function cookieOf(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const [key, ...rest] = part.trim().split('=')
    if (key === name) return rest.join('=')
  }
  return undefined
}

/** Makes the {@link OpsSessionGuard} of the operator routes. */
export function createOpsSessionGuard(deps: Pick<OpsDeps, 'sessions' | 'trustProxy'>): OpsSessionGuard {
  const isHttps = (req: IncomingMessage) =>
    (req.socket as TLSSocket).encrypted === true ||
    (deps.trustProxy && req.headers['x-forwarded-proto'] === 'https')
  const cookieName = (req: IncomingMessage) => (isHttps(req) ? SECURE_COOKIE : COOKIE)

  const session = async (ctx: RouteContext): Promise<OpsSession> => {
    const token = cookieOf(ctx.req.headers.cookie, cookieName(ctx.req))
    const found = await deps.sessions.find(token, 'ops')
    if (!found || !token) throw new HttpError(401, 'UNAUTHENTICATED', 'log in first')
    return { ...found, token }
  }

  return {
    session,
    async withCsrf(ctx) {
      const s = await session(ctx)
      const header = ctx.req.headers['x-csrf-token']
      if (typeof header !== 'string' || !constantTimeEqual(header, s.csrfToken)) {
        throw new HttpError(403, 'CSRF', 'missing or wrong CSRF token')
      }
      return s
    },
    setCookie(req, value, maxAgeSeconds) {
      return isHttps(req)
        ? `${SECURE_COOKIE}=${value}; Secure; HttpOnly; SameSite=Strict; Path=/; Max-Age=${maxAgeSeconds}`
        : `${COOKIE}=${value}; HttpOnly; SameSite=Strict; Path=/ops; Max-Age=${maxAgeSeconds}`
    },
  }
}
