import { z } from 'zod'
import { retryOnBusy } from '../db/retry-busy.js'
import type { Role } from '../db/schema.js'
import { HttpError } from '../http/http-error.js'
import { readJson, sendJson } from '../http/json.js'
import type { Router } from '../http/router.js'
import { type ApiDeps, actorOf, requireApiSession } from './context.js'

const roleSchema = z.object({ role: z.enum(['customer', 'organizer', 'admin']) }).strict()

/** Registers the administrator's role change; the change stands only once it is audited. */
export function registerAdminRoutes(router: Router, deps: ApiDeps): void {
  const { db, hooks } = deps

  router.on('PUT', '/api/admin/users/:id/role', async ({ req, res, params }) => {
    const session = await requireApiSession(deps, req, ['admin'])
    const input = await readJson(req, roleSchema)
    if (params.id === session.userId) {
      throw new HttpError(409, 'OWN_ROLE', 'an administrator cannot change their own role')
    }
    const before = await retryOnBusy(() =>
      db.transaction().execute(async (trx) => {
        const user = await trx
          .selectFrom('tix_users')
          .select(['id', 'email', 'role'])
          .where('id', '=', params.id ?? '')
          .executeTakeFirst()
        if (!user) throw new HttpError(404, 'USER_NOT_FOUND', 'no such user')
        await trx.updateTable('tix_users').set({ role: input.role }).where('id', '=', user.id).execute()
        return user
      }),
    )
    try {
      await hooks.emit('user.role_changed', {
        actor: actorOf(req, session),
        userId: before.id,
        email: before.email,
        before: before.role,
        after: input.role as Role,
      })
    } catch (error) {
      // An unrecorded privilege change must not stand: put the role back unless it moved since.
      await db
        .updateTable('tix_users')
        .set({ role: before.role })
        .where('id', '=', before.id)
        .where('role', '=', input.role)
        .execute()
      throw error
    }
    sendJson(res, 200, { id: before.id, before: before.role, after: input.role })
  })
}
