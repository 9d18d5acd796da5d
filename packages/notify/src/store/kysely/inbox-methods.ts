import type { NotifyStore } from '../notify-store.js'
import { toInbox } from './rows.js'
import type { KyselyStoreContext } from './store-context.js'

/** A user's inbox: adding items, listing them, the unread count and marking them read. */
export function inboxMethods(
  context: KyselyStoreContext,
): Pick<NotifyStore, 'addInboxItem' | 'listInbox' | 'unreadCount' | 'markRead' | 'markAllRead'> {
  const { db, t } = context
  return {
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
