import type { HostDatabase } from '@opskit/core'
import { sql } from 'kysely'
import type {
  DeletingRun,
  ReportsRowKind,
  ReportsStore,
  RowRetentionBatch,
  RunRetentionBatch,
} from '../reports-store.js'
import type { ReportsTables } from './migrations.js'
import { DELETING } from './rows.js'

/** Run states retention may remove: never `running`, never one already marked. */
const FINISHED = ['succeeded', 'failed', 'cancelled']

/** How many keys one `in (…)` lookup binds. */
const KEYS_PER_QUERY = 500

/**
 * Retention on the Kysely store: one short statement per batch (`… where <pk> in (select <pk> …
 * limit ?)`, the same SQL on SQLite and PostgreSQL), so `deleteInBatches` bounds each lock.
 */
export function retentionMethods(db: HostDatabase, t: ReportsTables) {
  /**
   * Ids of one batch of finished runs matching the rule; with keepLast, ranked per (tenant,
   * report) by a window function (computed only then: it reads every finished run of the scope).
   */
  function runCandidates(batch: RunRetentionBatch) {
    if (batch.keepLast === undefined) {
      let old = db.selectFrom(t.runs).select('id').where('status', 'in', FINISHED)
      if (batch.tenantId !== undefined) old = old.where('tenant_id', '=', batch.tenantId)
      if (batch.cutoff !== undefined) old = old.where('finished_at', '<', batch.cutoff)
      return old.orderBy('id').limit(batch.limit)
    }
    let finished = db
      .selectFrom(t.runs)
      .select([
        'id',
        'finished_at',
        sql<number>`row_number() over (partition by tenant_id, report order by started_at desc, id desc)`.as(
          'rn',
        ),
      ])
      .where('status', 'in', FINISHED)
    if (batch.tenantId !== undefined) finished = finished.where('tenant_id', '=', batch.tenantId)
    let candidates = db.selectFrom(finished.as('c')).select('c.id').where('c.rn', '>', batch.keepLast)
    if (batch.cutoff !== undefined) candidates = candidates.where('c.finished_at', '<', batch.cutoff)
    return candidates.orderBy('c.id').limit(batch.limit)
  }

  return {
    async markRunsDeleting(batch: RunRetentionBatch) {
      let query = db
        .updateTable(t.runs)
        .set({ status: DELETING })
        .where('id', 'in', runCandidates(batch))
        .where('status', 'in', FINISHED)
      if (batch.tenantId !== undefined) query = query.where('tenant_id', '=', batch.tenantId)
      const result = await query.executeTakeFirst()
      return Number(result.numUpdatedRows)
    },
    async runsBeingDeleted(options: { tenantId?: string | undefined; limit: number }) {
      let query = db
        .selectFrom(t.runs)
        .select(['tenant_id', 'id', 'storage_key'])
        .where('status', '=', DELETING)
      if (options.tenantId !== undefined) query = query.where('tenant_id', '=', options.tenantId)
      const rows = await query.orderBy('id').limit(options.limit).execute()
      return rows.map(
        (row): DeletingRun => ({
          tenantId: String(row.tenant_id),
          id: String(row.id),
          storageKey: row.storage_key === null ? null : String(row.storage_key),
        }),
      )
    },
    async deleteRunRows(runs: readonly Pick<DeletingRun, 'tenantId' | 'id'>[]) {
      const byTenant = new Map<string, string[]>()
      for (const run of runs) {
        const ids = byTenant.get(run.tenantId)
        if (ids) ids.push(run.id)
        else byTenant.set(run.tenantId, [run.id])
      }
      let deleted = 0
      for (const [tenantId, ids] of byTenant) {
        const result = await db
          .deleteFrom(t.runs)
          .where('tenant_id', '=', tenantId)
          .where('id', 'in', ids)
          .where('status', '=', DELETING)
          .executeTakeFirst()
        deleted += Number(result.numDeletedRows)
      }
      return deleted
    },
    async storageKeysInUse(storageKeys: readonly string[]) {
      const inUse = new Set<string>()
      for (let i = 0; i < storageKeys.length; i += KEYS_PER_QUERY) {
        const rows = await db
          .selectFrom(t.runs)
          .select('storage_key')
          .where('storage_key', 'in', storageKeys.slice(i, i + KEYS_PER_QUERY))
          .execute()
        for (const row of rows) inUse.add(String(row.storage_key))
      }
      return inUse
    },
    async deleteExpired(kind: ReportsRowKind, batch: RowRetentionBatch) {
      if (kind === 'links') return deleteEndedLinks(db, t, batch)
      if (kind === 'redeems') return deleteOldRedeems(db, t, batch)
      return deletePastSlots(db, t, batch)
    },
  } satisfies Partial<ReportsStore>
}

/** Links that can no longer be redeemed (expired, revoked, used up) and ended before the cutoff. */
async function deleteEndedLinks(db: HostDatabase, t: ReportsTables, batch: RowRetentionBatch) {
  const expiredBefore = Math.min(batch.cutoff, batch.now)
  let ended = db
    .selectFrom(t.tokens)
    .select('token_hash')
    .where((eb) =>
      eb.or([
        eb('expires_at', '<', expiredBefore),
        eb('revoked_at', '<', batch.cutoff),
        eb.and([eb('download_count', '>=', eb.ref('max_downloads')), eb('last_used_at', '<', batch.cutoff)]),
      ]),
    )
  if (batch.tenantId !== undefined) ended = ended.where('tenant_id', '=', batch.tenantId)
  let query = db
    .deleteFrom(t.tokens)
    .where('token_hash', 'in', ended.orderBy('token_hash').limit(batch.limit))
  if (batch.tenantId !== undefined) query = query.where('tenant_id', '=', batch.tenantId)
  return Number((await query.executeTakeFirst()).numDeletedRows)
}

/** Redeem records older than the cutoff. */
async function deleteOldRedeems(db: HostDatabase, t: ReportsTables, batch: RowRetentionBatch) {
  let old = db.selectFrom(t.redeems).select('id').where('at', '<', batch.cutoff)
  if (batch.tenantId !== undefined) old = old.where('tenant_id', '=', batch.tenantId)
  let query = db.deleteFrom(t.redeems).where('id', 'in', old.orderBy('id').limit(batch.limit))
  if (batch.tenantId !== undefined) query = query.where('tenant_id', '=', batch.tenantId)
  return Number((await query.executeTakeFirst()).numDeletedRows)
}

/**
 * Slot claims before the cutoff that their schedule has moved past (a claim the schedule still
 * points at is what stops a second instance from running that slot again).
 */
async function deletePastSlots(db: HostDatabase, t: ReportsTables, batch: RowRetentionBatch) {
  const slots = sql.table(t.slots)
  const schedules = sql.table(t.schedules)
  const tenantFilter =
    batch.tenantId === undefined
      ? sql``
      : sql`and s.schedule_id in (select id from ${schedules} where tenant_id = ${batch.tenantId})`
  const result = await sql`
    delete from ${slots} where exists (
      select 1 from (
        select s.schedule_id, s.slot from ${slots} s
        where s.slot < ${batch.cutoff}
          and not exists (select 1 from ${schedules} sc where sc.id = s.schedule_id and sc.next_run_at <= s.slot)
          ${tenantFilter}
        order by s.slot limit ${batch.limit}
      ) b where b.schedule_id = ${slots}.schedule_id and b.slot = ${slots}.slot
    )`.execute(db)
  return Number(result.numAffectedRows ?? 0)
}
