import { uuidv7 } from '@opskit/core'
import { z } from 'zod'
import { checkCredentials } from '../auth/credentials.js'
import { tooManyAttempts } from '../auth/login-throttle.js'
import { HttpError } from '../http/http-error.js'
import { readJson, sendJson } from '../http/json.js'
import type { RouteContext, Router } from '../http/router.js'
import { type ApiDeps, actorOf, requireApiSession } from './context.js'

const API_SESSION_TTL_MS = 12 * 60 * 60 * 1000

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
const loginSchema = z.object({ email: z.string().max(254), password: z.string().max(200) }).strict()
const deviceSchema = z
  .object({ token: z.string().min(8).max(4096), platform: z.enum(['ios', 'android', 'web']) })
  .strict()

/** Registers the account routes: sign-up, API login, the caller's profile and push devices. */
export function registerAccountRoutes(router: Router, deps: ApiDeps): void {
  router.on('POST', '/api/users', (ctx) => registerUser(deps, ctx))
  router.on('POST', '/api/sessions', (ctx) => logIn(deps, ctx))

  router.on('GET', '/api/me', async ({ req, res }) => {
    const session = await requireApiSession(deps, req)
    sendJson(res, 200, { id: session.userId, email: session.email, name: session.name, role: session.role })
  })

  router.on('POST', '/api/devices', async ({ req, res }) => {
    const session = await requireApiSession(deps, req)
    const input = await readJson(req, deviceSchema)
    await deps.hooks.emit('device.registered', {
      actor: actorOf(req, session),
      userId: session.userId,
      token: input.token,
      platform: input.platform,
    })
    sendJson(res, 201, { registered: true })
  })
}

/** `POST /api/users`: a new customer account; 409 when the e-mail address is taken. */
async function registerUser(deps: ApiDeps, { req, res }: RouteContext): Promise<void> {
  const input = await readJson(req, registerSchema)
  const email = input.email.toLowerCase()
  const id = uuidv7()
  const passwordHash = await deps.passwords.hash(input.password)
  const inserted = await deps.db
    .insertInto('tix_users')
    .values({
      id,
      email,
      name: input.name,
      password_hash: passwordHash,
      phone: input.phone ?? null,
      role: 'customer',
      created_at: deps.now().toISOString(),
    })
    .onConflict((oc) => oc.column('email').doNothing())
    .executeTakeFirst()
  if (Number(inserted.numInsertedOrUpdatedRows ?? 0) === 0) {
    throw new HttpError(409, 'EMAIL_TAKEN', 'an account with this e-mail address exists')
  }
  await deps.hooks.emit('user.registered', {
    actor: { ...actorOf(req), userId: id, email },
    userId: id,
    email,
    name: input.name,
  })
  sendJson(res, 201, { id, email, name: input.name, role: 'customer' })
}

/** `POST /api/sessions`: a throttled, audited password login that hands out a bearer token. */
async function logIn(deps: ApiDeps, { req, res }: RouteContext): Promise<void> {
  const { hooks } = deps
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
  const { user, ok } = await checkCredentials(deps, email, input.password)
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
  const { token } = await deps.sessions.create(user.id, 'api', API_SESSION_TTL_MS)
  sendJson(res, 201, { token, userId: user.id, role: user.role })
}
