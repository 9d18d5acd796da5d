import type { NotifyStore } from '../notify-store.js'
import type { UserPreferences } from '../records.js'
import { toDevice, toInbox } from './rows.js'
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
    async addInboxItem(item) {
      await db
        .insertInto(t.inbox)
        .values({
          id: item.id,
          tenant_id: item.tenantId,
          user_id: item.userId,
          title: item.title ?? null,
          body: item.body,
          category: item.category ?? null,
          data: item.data ? JSON.stringify(item.data) : null,
          created_at: item.createdAt,
          read_at: item.readAt ?? null,
        })
        .execute()
    },
    async listInbox(tenantId, userId, query) {
      let builder = db
        .selectFrom(t.inbox)
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
      if (query.unreadOnly) builder = builder.where('read_at', 'is', null)
      const rows = await builder
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(query.limit)
        .execute()
      return rows.map(toInbox)
    },
    async unreadCount(tenantId, userId) {
      const row = await db
        .selectFrom(t.inbox)
        .select((eb) => eb.fn.countAll().as('n'))
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .where('read_at', 'is', null)
        .executeTakeFirst()
      return Number(row?.n ?? 0)
    },
    async markRead(tenantId, userId, ids, now) {
      if (ids.length === 0) return 0
      const result = await db
        .updateTable(t.inbox)
        .set({ read_at: now })
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .where('id', 'in', [...ids])
        .where('read_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows)
    },
    async markAllRead(tenantId, userId, now) {
      const result = await db
        .updateTable(t.inbox)
        .set({ read_at: now })
        .where('tenant_id', '=', tenantId)
        .where('user_id', '=', userId)
        .where('read_at', 'is', null)
        .executeTakeFirst()
      return Number(result.numUpdatedRows)
    },
  }
}
