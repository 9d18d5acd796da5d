import type { TenantScope } from '@opskit/core/internal'
import { MonitorError } from '../errors/monitor-error.js'
import { type Incident, incidentStats } from '../incidents/incident.js'
import type { IncidentManager } from '../incidents/incident-manager.js'
import type { IncidentQuery } from '../store/monitor-store-types.js'
import type { IncidentCommand, Incidents } from './alerts-types.js'

/** Incidents listed when no `limit` is given, and the most a call may ask for. */
export const DEFAULT_INCIDENT_LIST_LIMIT = 1000
const MAX_INCIDENT_LIST_LIMIT = 10_000
/** The most incidents `stats()` reads (the newest in its range). */
const STATS_LIMIT = 100_000

/** Where incident reads go: the store (shared by every instance), within one tenant. */
export interface IncidentReads {
  get(tenantId: string, id: string): Promise<Incident | undefined>
  list(query: IncidentQuery): Promise<Incident[]>
}

/** Reads over a manager's own cache: what an instance without a store answers from. */
export function cacheReads(manager: IncidentManager): IncidentReads {
  return {
    async get(tenantId, id) {
      const found = manager.get(id)
      return found && (found.tenantId ?? '') === tenantId ? found : undefined
    },
    async list(q) {
      return manager
        .list()
        .filter(
          (i) =>
            (i.tenantId ?? '') === q.tenantId &&
            (q.status === undefined || i.status === q.status) &&
            (q.from === undefined || i.triggeredAt >= q.from) &&
            (q.to === undefined || i.triggeredAt < q.to),
        )
        .slice(0, q.limit)
    },
  }
}

/** Applies an incident action on the instance that owns incidents (the leader, or a lone one). */
export function applyIncidentCommand(manager: IncidentManager, command: IncidentCommand): Promise<Incident> {
  if (command.op === 'acknowledge')
    return manager.acknowledge(command.incidentId, command.by, command.tenantId)
  if (command.op === 'resolve') return manager.resolve(command.incidentId, command.by, command.tenantId)
  return manager.note(command.incidentId, { ...command.change, by: command.by }, command.tenantId)
}

function listLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_INCIDENT_LIST_LIMIT
  if (!Number.isSafeInteger(limit) || limit < 1 || limit > MAX_INCIDENT_LIST_LIMIT)
    throw new MonitorError(
      'MONITOR_INVALID_OPTIONS',
      `limit must be an integer in 1…${MAX_INCIDENT_LIST_LIMIT}`,
    )
  return limit
}

/** What {@link createIncidentsApi} is built on. */
export interface IncidentsApiContext {
  reads: IncidentReads
  tenantOf: TenantScope
  /** Runs an action where incidents are owned (locally, or forwarded to the leader). */
  act(command: IncidentCommand): Promise<Incident>
}

/** The incidents API: reads from the store (or the cache), every call within the caller's tenant. */
export function createIncidentsApi(ctx: IncidentsApiContext): Incidents {
  const { reads, tenantOf } = ctx
  return {
    list: async (filter) =>
      reads.list({
        tenantId: tenantOf(filter?.tenantId),
        status: filter?.status,
        limit: listLimit(filter?.limit),
      }),
    get: async (id, options) => reads.get(tenantOf(options?.tenantId), id),
    async update(id, change) {
      const { tenantId, by, ...rest } = change
      return ctx.act({
        op: 'note',
        incidentId: id,
        by: by ?? '',
        tenantId: tenantOf(tenantId),
        change: rest,
      })
    },
    async stats(range) {
      const list = await reads.list({
        tenantId: tenantOf(range?.tenantId),
        from: range?.from,
        to: range?.to,
        limit: STATS_LIMIT,
      })
      return incidentStats(list)
    },
  }
}
