import type { Role, TicketingDb } from '../db/schema.js'
import type { PasswordHasher } from './passwords.js'

/** The account an e-mail address names, if any, and whether the password given is its password. */
export interface CheckedCredentials {
  user: { id: string; email: string; role: Role } | undefined
  /** True only for an existing account with that password. */
  ok: boolean
}

/**
 * Looks up the account of `email` (already lower-cased) and checks `password` against it. An
 * unknown address is checked against a dummy hash, so it takes as long as a wrong password.
 * Shared by the API login and the operator login.
 */
export async function checkCredentials(
  deps: { db: TicketingDb; passwords: PasswordHasher },
  email: string,
  password: string,
): Promise<CheckedCredentials> {
  const row = await deps.db
    .selectFrom('tix_users')
    .select(['id', 'email', 'role', 'password_hash'])
    .where('email', '=', email)
    .executeTakeFirst()
  const ok = await deps.passwords.verify(password, row?.password_hash)
  return { user: row && { id: row.id, email: row.email, role: row.role }, ok: row !== undefined && ok }
}
