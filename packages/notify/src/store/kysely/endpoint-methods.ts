import type { NotifyStore } from '../notify-store.js'
import type { KyselyStoreContext } from './store-context.js'

/** The webhook endpoints disabled after repeated failures: disabling, checking, enabling, listing. */
export function endpointMethods(
  context: KyselyStoreContext,
): Pick<NotifyStore, 'disableEndpoint' | 'isEndpointDisabled' | 'enableEndpoint' | 'listDisabledEndpoints'> {
  const { db, t } = context
  return {
    async disableEndpoint(url, reason, now) {
      await db
        .insertInto(t.disabledEndpoints)
        .values({ url, reason, disabled_at: now })
        .onConflict((oc) => oc.column('url').doNothing())
        .execute()
    },
    async isEndpointDisabled(url) {
      const row = await db
        .selectFrom(t.disabledEndpoints)
        .select('url')
        .where('url', '=', url)
        .executeTakeFirst()
      return row !== undefined
    },
    async enableEndpoint(url) {
      const result = await db.deleteFrom(t.disabledEndpoints).where('url', '=', url).executeTakeFirst()
      return Number(result.numDeletedRows) > 0
    },
    async listDisabledEndpoints() {
      const rows = await db
        .selectFrom(t.disabledEndpoints)
        .selectAll()
        .orderBy('disabled_at', 'desc')
        .execute()
      return rows.map((row) => ({
        url: String(row.url),
        reason: String(row.reason),
        disabledAt: Number(row.disabled_at),
      }))
    },
  }
}
