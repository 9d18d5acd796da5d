import type { NotifyStore } from '../notify-store.js'
import type { UserPreferences } from '../records.js'
import { inboxMethods } from './inbox-methods.js'
import { toDevice } from './rows.js'
import type { KyselyStoreContext } from './store-context.js'

/** A user's preferences, devices and inbox. */
export function userMethods(
  context: KyselyStoreContext,
): Pick<
  NotifyStore,
  | 'getPreferences'
  | 'setPreferences'
  | 'upsertDevice'
  | 'listDevices'
  | 'removeDevices'
  | 'touchDevice'
  | 'addInboxItem'
  | 'listInbox'
  | 'unreadCount'
  | 'markRead'
  | 'markAllRead'
> {
  return { ...preferenceMethods(context), ...deviceMethods(context), ...inboxMethods(context) }
}

/** A user's notification preferences (read through the send path's cache). */
function preferenceMethods(
  context: KyselyStoreContext,
): Pick<NotifyStore, 'getPreferences' | 'setPreferences'> {
  const { db, t, sendPath } = context
  return {
    async getPreferences(tenantId, userId) {
      const stored = await sendPath.preferences(tenantId, userId)
      return stored === undefined ? undefined : (JSON.parse(stored) as UserPreferences)
    },
    async setPreferences(tenantId, userId, value) {
      const preferences = JSON.stringify(value)
      await db
        .insertInto(t.preferences)
        .values({ tenant_id: tenantId, user_id: userId, preferences })
        .onConflict((oc) => oc.columns(['tenant_id', 'user_id']).doUpdateSet({ preferences }))
        .execute()
    },
  }
}

/** A user's push devices: registering, listing, removing and touching them. */
function deviceMethods(
  context: KyselyStoreContext,
): Pick<NotifyStore, 'upsertDevice' | 'listDevices' | 'removeDevices' | 'touchDevice'> {
  const { db, t } = context
  return {
    async upsertDevice(device) {
      await db
        .insertInto(t.devices)
        .values({
          tenant_id: device.tenantId,
          token: device.token,
          user_id: device.userId,
          platform: device.platform,
          created_at: device.createdAt,
          last_seen_at: device.lastSeenAt,
        })
        .onConflict((oc) =>
          oc.columns(['tenant_id', 'token']).doUpdateSet({
            user_id: device.userId,
            platform: device.platform,
            last_seen_at: device.lastSeenAt,
          }),
        )
        .execute()
    },
    async listDevices(tenantId, userId) {
      const rows = await db
        .selectFrom(t.devices)
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .orderBy('created_at')
        .orderBy('token')
        .execute()
      return rows.map(toDevice)
    },
    async removeDevices(tenantId, tokens) {
      if (tokens.length === 0) return 0
      const result = await db
        .deleteFrom(t.devices)
        .where('tenant_id', '=', tenantId)
        .where('token', 'in', [...tokens])
        .executeTakeFirst()
      return Number(result.numDeletedRows)
    },
    async touchDevice(tenantId, token, now) {
      await db
        .updateTable(t.devices)
        .set({ last_seen_at: now })
        .where('tenant_id', '=', tenantId)
        .where('token', '=', token)
        .execute()
    },
  }
}
