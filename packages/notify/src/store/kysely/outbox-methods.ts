import type { NotifyStore } from '../notify-store.js'
import type { OutboxRecord } from '../records.js'
import { toOutbox } from './rows.js'
import type { KyselyStoreContext } from './store-context.js'

/**
 * The outbox (claimed with `FOR UPDATE SKIP LOCKED` on PostgreSQL, under SQLite's single-writer
 * transaction elsewhere, with a lease).
 */
export function outboxMethods(
  context: KyselyStoreContext,
): Pick<NotifyStore, 'enqueueOutbox' | 'claimOutbox' | 'finishOutbox' | 'releaseOutbox' | 'outboxCounts'> {
  const { db, t } = context
  const postgres = context.dialect === 'postgres'
  return {
    async enqueueOutbox(rows, enqueueOptions) {
      if (rows.length === 0) return
      const executor = enqueueOptions?.trx ?? db
      await executor
        .insertInto(t.outbox)
        .values(
          rows.map((row) => ({
            id: row.id,
            tenant_id: row.tenantId,
            message: JSON.stringify(row.message),
            idempotency_key: row.idempotencyKey,
            state: row.state,
            attempts: row.attempts,
            available_at: row.availableAt,
            lease_owner: row.leaseOwner ?? null,
            lease_until: row.leaseUntil ?? null,
            created_at: row.createdAt,
          })),
        )
        .execute()
    },
    async claimOutbox(claim) {
      return db.transaction().execute(async (trx) => {
        let select = trx
          .selectFrom(t.outbox)
          .select('id')
          .where('state', '=', 'pending')
          .where('available_at', '<=', claim.now)
          .where((eb) => eb.or([eb('lease_until', 'is', null), eb('lease_until', '<=', claim.now)]))
          .orderBy('available_at')
          .orderBy('id')
          .limit(claim.limit)
        if (postgres) select = select.forUpdate().skipLocked()
        const ids = (await select.execute()).map((row) => String(row.id))
        if (ids.length === 0) return []
        const rows = await trx
          .updateTable(t.outbox)
          .set((eb) => ({
            lease_owner: claim.owner,
            lease_until: claim.now + claim.leaseMs,
            attempts: eb('attempts', '+', 1),
          }))
          .where('id', 'in', ids)
          .returningAll()
          .execute()
        return rows.map(toOutbox).sort((a, b) => a.availableAt - b.availableAt || (a.id < b.id ? -1 : 1))
      })
    },
    async finishOutbox(tenantId, id, owner, state) {
      const result = await db
        .updateTable(t.outbox)
        .set({ state, lease_until: null })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('lease_owner', '=', owner)
        .where('state', '=', 'pending')
        .executeTakeFirst()
      return Number(result.numUpdatedRows) > 0
    },
    async releaseOutbox(tenantId, id, owner, availableAt) {
      await db
        .updateTable(t.outbox)
        .set({ available_at: availableAt, lease_until: null, lease_owner: null })
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .where('lease_owner', '=', owner)
        .where('state', '=', 'pending')
        .execute()
    },
    async outboxCounts() {
      const rows = await db
        .selectFrom(t.outbox)
        .select(['state', (eb) => eb.fn.countAll().as('n')])
        .groupBy('state')
        .execute()
      const counts = { pending: 0, done: 0, failed: 0 }
      for (const row of rows) counts[row.state as OutboxRecord['state']] = Number(row.n)
      return counts
    },
  }
}
