import { applyReceipt } from '../apply-receipt.js'
import type { NotifyStore } from '../notify-store.js'
import type { Delivery } from '../records.js'
import { toNotification } from './rows.js'
import type { KyselyStoreContext } from './store-context.js'

/** The idempotency claims, the delivery log and its receipts, on `<prefix>notify_notifications`. */
export function notificationMethods(
  context: KyselyStoreContext,
): Pick<
  NotifyStore,
  | 'insertNotification'
  | 'getNotificationByKey'
  | 'getNotification'
  | 'transitionNotification'
  | 'completeNotification'
  | 'recordReceipt'
  | 'listNotifications'
> {
  const { db, t, sendPath } = context
  const postgres = context.dialect === 'postgres'
  return {
    insertNotification: (record, insertOptions) => sendPath.claim(record, insertOptions),
    async getNotificationByKey(tenantId, key) {
      const row = await db
        .selectFrom(t.notifications)
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('idempotency_key', '=', key)
        .executeTakeFirst()
      return row && toNotification(row)
    },
    async getNotification(tenantId, id) {
      const row = await db
        .selectFrom(t.notifications)
        .selectAll()
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst()
      return row && toNotification(row)
    },
    async transitionNotification(tenantId, id, change) {
      const result = await db
        .updateTable(t.notifications)
        .set({ state: change.to, updated_at: change.now })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('state', '=', change.from)
        .where('updated_at', '=', change.expectedUpdatedAt)
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },
    completeNotification: (tenantId, id, deliveries, now) => sendPath.complete(tenantId, id, deliveries, now),
    async recordReceipt(tenantId, receipt, now) {
      return db.transaction().execute(async (trx) => {
        const link = await trx
          .selectFrom(t.providerMessages)
          .select('notification_id')
          .where('tenant_id', '=', tenantId)
          .where('provider', '=', receipt.provider)
          .where('provider_message_id', '=', receipt.providerMessageId)
          .executeTakeFirst()
        if (!link) return false
        let select = trx
          .selectFrom(t.notifications)
          .select('deliveries')
          .where('tenant_id', '=', tenantId)
          .where('id', '=', String(link.notification_id))
        if (postgres) select = select.forUpdate()
        const row = await select.executeTakeFirst()
        const current: Delivery[] | undefined = row && JSON.parse(String(row.deliveries))
        const deliveries = current && applyReceipt(current, receipt, now)
        if (!deliveries) return false
        if (deliveries === current) return true
        await trx
          .updateTable(t.notifications)
          .set({ deliveries: JSON.stringify(deliveries) })
          .where('tenant_id', '=', tenantId)
          .where('id', '=', String(link.notification_id))
          .execute()
        return true
      })
    },
    async listNotifications(query) {
      let builder = db.selectFrom(t.notifications).selectAll().where('tenant_id', '=', query.tenantId)
      if (query.userId !== undefined) builder = builder.where('user_id', '=', query.userId)
      const rows = await builder
        .orderBy('created_at', 'desc')
        .orderBy('id', 'desc')
        .limit(query.limit)
        .execute()
      return rows.map(toNotification)
    },
  }
}
