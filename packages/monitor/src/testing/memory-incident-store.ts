import type { Incident } from '../incidents/incident.js'
import type { IncidentStore } from '../store/monitor-store.js'

/** A stored incident of the memory store. */
interface Row {
  tenantId: string
  incident: string
  status: Incident['status']
  triggeredAt: number
  resolvedAt: number | undefined
  prefix: string
}

/** The notification-log entries the incident store's purge reads: id → last write (epoch ms). */
export type LogTimes = () => Map<string, { updatedAt: number }>

const byNewest = (a: [string, Row], b: [string, Row]) =>
  b[1].triggeredAt - a[1].triggeredAt || (a[0] < b[0] ? 1 : a[0] > b[0] ? -1 : 0)

/** The incident part of the memory store, with the same tenant rules as the Kysely store. */
export function memoryIncidentStore(check: () => void, nflog: LogTimes): IncidentStore {
  const rows = new Map<string, Row>()
  const parse = (list: Iterable<[string, Row]>) =>
    [...list].map(([, r]) => JSON.parse(r.incident) as Incident)
  return {
    async saveIncident(tenantId, incident) {
      check()
      const existing = rows.get(incident.id)
      if (existing && existing.tenantId !== tenantId) return
      rows.set(incident.id, {
        tenantId,
        incident: JSON.stringify(incident),
        status: incident.status,
        triggeredAt: incident.triggeredAt,
        resolvedAt: incident.resolvedAt,
        prefix: `${incident.groupKey}|${incident.receiver}|`,
      })
    },
    async getIncident(tenantId, id) {
      check()
      const row = rows.get(id)
      return row && row.tenantId === tenantId ? (JSON.parse(row.incident) as Incident) : undefined
    },
    async listIncidents(q) {
      check()
      const matching = [...rows].filter(
        ([, r]) =>
          r.tenantId === q.tenantId &&
          (q.status === undefined || r.status === q.status) &&
          (q.from === undefined || r.triggeredAt >= q.from) &&
          (q.to === undefined || r.triggeredAt < q.to),
      )
      return parse(matching.sort(byNewest).slice(0, q.limit))
    },
    async openIncidents(resolvedSince) {
      check()
      const restored = [...rows].filter(
        ([, r]) =>
          r.status !== 'resolved' || (resolvedSince !== undefined && (r.resolvedAt ?? 0) >= resolvedSince),
      )
      return parse(restored.sort(([a], [b]) => (a < b ? -1 : 1)))
    },
    async purgeIncidents(purge) {
      check()
      const rank = new Map<string, number>()
      const resolved = [...rows]
        .filter(([, r]) => r.status === 'resolved')
        .sort((a, b) => (b[1].resolvedAt ?? 0) - (a[1].resolvedAt ?? 0) || (a[0] < b[0] ? 1 : -1))
      const victims: string[] = []
      for (const [id, r] of resolved) {
        const n = (rank.get(r.tenantId) ?? 0) + 1
        rank.set(r.tenantId, n)
        if (purge.tenantId !== undefined && r.tenantId !== purge.tenantId) continue
        if (purge.cutoff !== undefined && !((r.resolvedAt ?? 0) < purge.cutoff)) continue
        if (purge.keepLast !== undefined && n <= purge.keepLast) continue
        victims.push(id)
      }
      const batch = victims.sort().slice(0, purge.limit)
      for (const id of batch) rows.delete(id)
      return batch.length
    },
    async purgeNotificationLog(cutoff, limit) {
      check()
      const open = [...rows.values()].filter((r) => r.status !== 'resolved').map((r) => r.prefix)
      const log = nflog()
      const batch = [...log]
        .filter(([id, e]) => e.updatedAt < cutoff && !open.some((p) => id.startsWith(p)))
        .map(([id]) => id)
        .sort()
        .slice(0, limit)
      for (const id of batch) log.delete(id)
      return batch.length
    },
  }
}
