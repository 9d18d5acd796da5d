import type { AggregationGroup } from '../alerting/aggregation-group.js'
import type { NotifyReason } from '../channels/alert-channel.js'
import { MonitorError } from '../errors/monitor-error.js'
import type { PostableAlert } from '../rules/alert-types.js'
import { createEscalation } from './escalation.js'
import type { Incident, IncidentEvent } from './incident.js'
import { createIncidentCache, DEFAULT_RESOLVED_INCIDENT_CACHE } from './incident-cache.js'
import {
  closeIncident,
  type IncidentContext,
  type IncidentState,
  incidentKey,
  mirrorAcknowledgement,
  openIncident,
  resolveByHand,
} from './incident-lifecycle.js'

export type { IncidentContext }

/** How an incident manager keeps and finds incidents. */
export interface IncidentOptions {
  /** The alert label whose value is an incident's tenant. @default none (no tenants) */
  tenantLabel?: string | undefined
  /** Resolved incidents kept in memory besides the open ones. @default 1000 */
  resolvedCacheSize?: number | undefined
  /** Finds an incident that is no longer in memory (in a store), within a tenant. */
  lookup?: ((tenantId: string, id: string) => Promise<Incident | undefined>) | undefined
}

/** A note or assignment: `monitor.incidents.update`. */
export interface IncidentNote {
  note?: string | undefined
  assignee?: string | undefined
  by?: string | undefined
}

/**
 * Incidents: the lifecycle of one aggregation group for one receiver (triggered, acknowledged,
 * resolved) with its timeline and escalation, over a bounded cache (every open incident and the
 * most recently resolved ones). Actions take the caller's tenant (`''` for none): an incident of
 * another tenant is not found. Reads return copies.
 */
export interface IncidentManager {
  /** The cached incidents, newest first. */
  list(): Incident[]
  /** A cached incident. */
  get(id: string): Incident | undefined
  /** Stops repeats and escalation; mirrored to channels that support it (PagerDuty). */
  acknowledge(id: string, by: string, tenantId?: string): Promise<Incident>
  /** Resolves by hand, silencing the group's alerts until their condition clears once. */
  resolve(id: string, by: string, tenantId?: string): Promise<Incident>
  /** Adds a note to the timeline, or assigns the incident. */
  note(id: string, change: IncidentNote, tenantId?: string): Promise<Incident>
  /** Restores incidents (e.g. from a store); escalation resumes for triggered ones. */
  restore(incidents: readonly Incident[]): void
  /** The dispatcher's view: the open incident of a group for a receiver. */
  openFor(groupKey: string, receiver: string): Incident | undefined
  /** The dispatcher's view: opens (or extends) the group's incident; new alerts re-arm an acknowledged one. */
  trigger(
    group: AggregationGroup,
    now: number,
    firing: readonly PostableAlert[],
    reason: NotifyReason,
  ): Incident
  /** The dispatcher's view: records a timeline event. */
  event(incident: Incident, event: Omit<IncidentEvent, 'at'>): void
  /** The dispatcher's view: the group's alerts resolved and were notified. */
  autoResolve(incident: Incident): void
  /** The dispatcher's view: nothing fires in the group any more; manual-resolve silences expire. */
  groupCleared(groupKey: string): void
  /** Cancels escalation timers. */
  close(): void
}

/** Builds the {@link IncidentManager} of a dispatcher. */
export function createIncidentManager(ctx: IncidentContext & IncidentOptions): IncidentManager {
  const cache = createIncidentCache(ctx.resolvedCacheSize ?? DEFAULT_RESOLVED_INCIDENT_CACHE)
  const { incidents } = cache
  const addEvent: IncidentState['addEvent'] = (incident, event) => {
    incident.timeline.push({ at: ctx.clock.now(), ...event })
    ctx.onIncident?.(structuredClone(incident))
  }
  const escalation = createEscalation({ ...ctx, incidents, addEvent })
  const state: IncidentState = {
    ...ctx,
    incidents,
    open: new Map(),
    manualSilences: new Map(),
    addEvent,
    escalator: escalation,
    settled: cache.settled,
  }
  const { open, manualSilences } = state

  /** The caller's incident: cached, or looked up (and cached); another tenant's is not found. */
  const find = async (id: string, tenantId = '') => {
    let incident = incidents.get(id)
    if (!incident) {
      incident = await ctx.lookup?.(tenantId, id)
      if (incident && !incidents.has(id)) cache.add(incident)
      incident = incidents.get(id) ?? incident
    }
    if (!incident || (incident.tenantId ?? '') !== tenantId)
      throw new MonitorError('MONITOR_NOT_FOUND', `no incident with id ${id}`)
    return incident
  }

  return {
    list: () =>
      [...incidents.values()].map((i) => structuredClone(i)).sort((a, b) => b.triggeredAt - a.triggeredAt),
    get: (id) => {
      const found = incidents.get(id)
      return found ? structuredClone(found) : undefined
    },
    async acknowledge(id, by, tenantId) {
      const incident = await find(id, tenantId)
      if (typeof by !== 'string' || by.length === 0)
        throw new MonitorError('MONITOR_INVALID_OPTIONS', 'acknowledge needs who acknowledged')
      if (incident.status !== 'triggered') return structuredClone(incident)
      incident.status = 'acknowledged'
      incident.acknowledgedAt = ctx.clock.now()
      incident.acknowledgedBy = by
      escalation.clear(id)
      addEvent(incident, { type: 'acknowledged', by })
      await mirrorAcknowledgement(state, incident, by)
      return structuredClone(incident)
    },
    async resolve(id, by, tenantId) {
      const incident = await find(id, tenantId)
      if (incident.status !== 'resolved') await resolveByHand(state, incident, by)
      return structuredClone(incident)
    },
    async note(id, change, tenantId) {
      const incident = await find(id, tenantId)
      if (change.assignee !== undefined) incident.assignee = change.assignee
      addEvent(incident, {
        type: 'note',
        ...(change.by ? { by: change.by } : {}),
        text: change.note ?? `assigned to ${change.assignee ?? ''}`,
      })
      return structuredClone(incident)
    },
    restore(list) {
      for (const incident of list) {
        cache.add(incident)
        if (incident.status !== 'resolved')
          open.set(incidentKey(incident.groupKey, incident.receiver), incident.id)
        if (incident.manualSilenceId && incident.status === 'resolved')
          manualSilences.set(incident.manualSilenceId, incident.groupKey)
        if (incident.status === 'triggered') escalation.schedule(incident, incident.triggeredAt)
      }
    },
    openFor(groupKey, receiver) {
      const id = open.get(incidentKey(groupKey, receiver))
      return id ? incidents.get(id) : undefined
    },
    trigger(group, now, firing, reason) {
      const incident = openIncident(state, group, now, firing)
      if (
        (reason === 'new alerts added' || reason === 'first notification') &&
        incident.status === 'acknowledged'
      ) {
        incident.status = 'triggered'
        delete incident.acknowledgedAt
        delete incident.acknowledgedBy
        addEvent(incident, { type: 'rearmed', reason })
        escalation.schedule(incident, now)
      }
      return incident
    },
    event: addEvent,
    autoResolve: (incident) => closeIncident(state, incident, undefined, 'auto'),
    groupCleared(groupKey) {
      for (const [silenceId, key] of manualSilences) {
        if (key !== groupKey) continue
        ctx.silences.expire(silenceId)
        manualSilences.delete(silenceId)
      }
    },
    close: () => escalation.clearAll(),
  }
}
