import { randomBytes } from 'node:crypto'
import { sha256Hex } from '@opskit/core'
import type { Role, TicketingDb } from '../db/schema.js'

/** An authenticated session. */
export interface Session {
  userId: string
  email: string
  name: string
  role: Role
  csrfToken: string
  kind: 'api' | 'ops'
  /** When the session ends. */
  expiresAt: Date
}

/** Sessions stored as SHA-256 of a random token, so a database read does not leak live tokens. */
export interface SessionStore {
  create(userId: string, kind: 'api' | 'ops', ttlMs: number): Promise<{ token: string; csrfToken: string }>
  find(token: string | undefined, kind: 'api' | 'ops'): Promise<Session | undefined>
  revoke(token: string): Promise<void>
}

/** Builds the session store over the service's database. */
export function createSessionStore(db: TicketingDb, now: () => Date): SessionStore {
  return {
    async create(userId, kind, ttlMs) {
      const token = randomBytes(32).toString('base64url')
      const csrfToken = randomBytes(24).toString('base64url')
      const created = now()
      await db
        .insertInto('tix_sessions')
        .values({
          token_hash: sha256Hex(token),
          user_id: userId,
          csrf_token: csrfToken,
          kind,
          created_at: created.toISOString(),
          expires_at: new Date(created.getTime() + ttlMs).toISOString(),
        })
        .execute()
      return { token, csrfToken }
    },
    async find(token, kind) {
      if (!token || token.length > 100) return undefined
      const row = await db
        .selectFrom('tix_sessions as s')
        .innerJoin('tix_users as u', 'u.id', 's.user_id')
        .select(['u.id', 'u.email', 'u.name', 'u.role', 's.csrf_token', 's.kind', 's.expires_at'])
        .where('s.token_hash', '=', sha256Hex(token))
        .executeTakeFirst()
      if (!row || row.kind !== kind || row.expires_at <= now().toISOString()) return undefined
      return {
        userId: row.id,
        email: row.email,
        name: row.name,
        role: row.role,
        csrfToken: row.csrf_token,
        kind: row.kind,
        expiresAt: new Date(row.expires_at),
      }
    },
    async revoke(token) {
      await db.deleteFrom('tix_sessions').where('token_hash', '=', sha256Hex(token)).execute()
    },
  }
}
