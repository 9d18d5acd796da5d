import type { HostDatabase } from '@opskit/core'
import { sql } from 'kysely'
import type { Incident } from '../../incidents/incident.js'
import type { IncidentStore } from '../monitor-store.js'

/** The tables the incident store reads and writes. */
export interface IncidentTables {
  incidents: string
  /** The document table (notification-log entries). */
  state: string
}

const parse = (rows: Array<{ body: string }>): Incident[] => rows.map((r) => JSON.parse(r.body) as Incident)

/**
 * The {@link IncidentStore} of the Kysely store: table `<prefix>monitor_incidents`, every query
 * but the leader's restore and an operator's purge filtered on `tenant_id`.
 */
export function kyselyIncidentStore(open: () => HostDatabase, tables: IncidentTables): IncidentStore {
  const { incidents } = tables
  return {
    async saveIncident(tenantId, incident) {
      const row = {
        id: incident.id,
        tenant_id: tenantId,
        status: incident.status,
        group_key: incident.groupKey,
        receiver: incident.receiver,
        triggered_at: incident.triggeredAt,
        resolved_at: incident.resolvedAt ?? null,
        body: JSON.stringify(incident),
      }
      const { tenant_id: _tenant, id: _id, ...change } = row
      // the tenant is part of the match: a save can never move another tenant's incident
      await open()
        .insertInto(incidents)
        .values(row)
        .onConflict((oc) =>
          oc.column('id').doUpdateSet(change).where(`${incidents}.tenant_id`, '=', tenantId),
        )
        .execute()
    },
    async getIncident(tenantId, id) {
      const row = (await open()
        .selectFrom(incidents)
        .select('body')
        .where('tenant_id', '=', tenantId)
        .where('id', '=', id)
        .executeTakeFirst()) as { body: string } | undefined
      return row ? (JSON.parse(row.body) as Incident) : undefined
    },
    async listIncidents(query) {
      let q = open().selectFrom(incidents).select('body').where('tenant_id', '=', query.tenantId)
      if (query.status !== undefined) q = q.where('status', '=', query.status)
      if (query.from !== undefined) q = q.where('triggered_at', '>=', query.from)
      if (query.to !== undefined) q = q.where('triggered_at', '<', query.to)
      const rows = await q.orderBy('triggered_at', 'desc').orderBy('id', 'desc').limit(query.limit).execute()
      return parse(rows as Array<{ body: string }>)
    },
    async openIncidents(resolvedSince) {
      const rows = await open()
        .selectFrom(incidents)
        .select('body')
        .where((eb) =>
          resolvedSince === undefined
            ? eb('status', '<>', 'resolved')
            : eb.or([eb('status', '<>', 'resolved'), eb('resolved_at', '>=', resolvedSince)]),
        )
        .orderBy('id')
        .execute()
      return parse(rows as Array<{ body: string }>)
    },
    async purgeIncidents(purge) {
      const table = sql.table(incidents)
      const tenant = purge.tenantId === undefined ? sql`` : sql`and tenant_id = ${purge.tenantId}`
      const older = purge.cutoff === undefined ? sql`` : sql`and resolved_at < ${purge.cutoff}`
      const kept = purge.keepLast === undefined ? sql`` : sql`and rn > ${purge.keepLast}`
      const result = await sql`delete from ${table} where id in (
          select id from (
            select id, resolved_at, row_number() over (
              partition by tenant_id order by resolved_at desc, id desc) as rn
            from ${table} where status = 'resolved' ${tenant}
          ) ranked where 1 = 1 ${older} ${kept}
          order by id limit ${purge.limit})`.execute(open())
      return Number(result.numAffectedRows ?? 0)
    },
    async purgeNotificationLog(cutoff, limit) {
      const state = sql.table(tables.state)
      const table = sql.table(incidents)
      const result = await sql`delete from ${state} where kind = 'nflog' and id in (
          select s.id from ${state} s where s.kind = 'nflog' and s.updated_at < ${cutoff}
          and not exists (
            select 1 from ${table} i where i.status <> 'resolved'
            and substr(s.id, 1, length(i.group_key) + length(i.receiver) + 2)
              = i.group_key || '|' || i.receiver || '|')
          order by s.id limit ${limit})`.execute(open())
      return Number(result.numAffectedRows ?? 0)
    },
  }
}
