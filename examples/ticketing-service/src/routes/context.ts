import type { IncomingMessage } from 'node:http'
import { uuidv7 } from '@opskit/core'
import type { LoginThrottle } from '../auth/login-throttle.js'
import type { PasswordHasher } from '../auth/passwords.js'
import type { Session, SessionStore } from '../auth/sessions.js'
import type { Role, TicketingDb } from '../db/schema.js'
import type { DomainHooks, RequestActor } from '../domain/hooks.js'
import { HttpError } from '../http/http-error.js'

/** What the API routes share. */
export interface ApiDeps {
  db: TicketingDb
  sessions: SessionStore
  hooks: DomainHooks
  now: () => Date
  /** Shared by the API and operator logins. */
  loginThrottle: LoginThrottle
  passwords: PasswordHasher
}

/** The client address and user agent of a request, plus a request id. */
export function actorOf(req: IncomingMessage, session?: Session): RequestActor {
  const header = req.headers['x-request-id']
  const requestId = typeof header === 'string' && /^[\w-]{1,64}$/.test(header) ? header : uuidv7()
  return {
    ...(session ? { userId: session.userId, email: session.email, role: session.role } : {}),
    ip: req.socket.remoteAddress ?? 'unknown',
    userAgent: (req.headers['user-agent'] ?? '').slice(0, 300),
    requestId,
  }
}

/** The bearer session of an API request, or 401. */
export async function requireApiSession(
  deps: ApiDeps,
  req: IncomingMessage,
  roles?: Role[],
): Promise<Session> {
  const header = req.headers.authorization
  const token = header?.startsWith('Bearer ') ? header.slice(7) : undefined
  const session = await deps.sessions.find(token, 'api')
  if (!session) throw new HttpError(401, 'UNAUTHENTICATED', 'a valid bearer token is required')
  if (roles && !roles.includes(session.role)) {
    throw new HttpError(403, 'FORBIDDEN', `this needs the role ${roles.join(' or ')}`)
  }
  return session
}
