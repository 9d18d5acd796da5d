import { uuidv7 } from '@opskit/core'
import { type AggregationGroup, firingAlerts } from '../alerting/aggregation-group.js'
import type { DispatchContext } from '../alerting/dispatch-context.js'
import { buildNotification } from '../alerting/notification.js'
import type { Silences } from '../alerting/silences.js'
import type { PostableAlert } from '../rules/alert-types.js'
import type { Escalation, EscalationLevel } from './escalation.js'
import type { Incident } from './incident.js'
import { deliverForIncident, type IncidentEvents } from './incident-delivery.js'

/** What the incidents read: the dispatch context, the silences, the policy and the groups. */
export interface IncidentContext extends DispatchContext {
  silences: Silences
  escalation(): readonly EscalationLevel[]
  /** The dispatcher's aggregation groups, by key. */
  groups: ReadonlyMap<string, AggregationGroup>
  /** Called whenever an incident changes (for persistence). */
  onIncident?: ((incident: Incident) => void) | undefined
  /** The alert label whose value (in the group's labels) is an incident's tenant. */
  tenantLabel?: string | undefined
}

/** The incidents' state, passed explicitly to the lifecycle steps. */
export interface IncidentState extends IncidentContext, IncidentEvents {
  incidents: Map<string, Incident>
  /** Open incident id by {@link incidentKey}. */
  open: Map<string, string>
  /** Group key by id of the silence a manual resolve installed. */
  manualSilences: Map<string, string>
  escalator: Escalation
  /** Called when an incident is resolved: the cache may now let it go. */
  settled(incidentId: string): void
}

/** The key of a group's incident for one receiver. */
export const incidentKey = (groupKey: string, receiver: string) => `${groupKey}|${receiver}`

function titleOf(group: AggregationGroup, firing: readonly PostableAlert[]): string {
  const names = [...new Set(firing.map((a) => a.labels.alertname ?? 'alert'))]
  const labels = Object.entries(group.labels)
  return `${names.join(', ')}${labels.length ? ` (${labels.map(([k, v]) => `${k}=${v}`).join(', ')})` : ''}`
}

/** Opens the group's incident for its receiver, or adds the firing alerts to the open one. */
export function openIncident(
  state: IncidentState,
  group: AggregationGroup,
  now: number,
  firing: readonly PostableAlert[],
): Incident {
  const key = incidentKey(group.key, group.route.receiver)
  const existingId = state.open.get(key)
  const existing = existingId ? state.incidents.get(existingId) : undefined
  if (existing) {
    for (const a of firing) if (!existing.alerts.includes(a.fingerprint)) existing.alerts.push(a.fingerprint)
    return existing
  }
  const tenantId = state.tenantLabel === undefined ? undefined : group.labels[state.tenantLabel]
  const incident: Incident = {
    id: uuidv7(),
    ...(tenantId ? { tenantId } : {}),
    groupKey: group.key,
    receiver: group.route.receiver,
    groupLabels: group.labels,
    title: titleOf(group, firing),
    status: 'triggered',
    triggeredAt: now,
    escalationLevel: 0,
    alerts: firing.map((a) => a.fingerprint),
    timeline: [],
  }
  state.incidents.set(incident.id, incident)
  state.open.set(key, incident.id)
  state.addEvent(incident, { type: 'triggered' })
  state.escalator.schedule(incident, now)
  return incident
}

/** Resolves an incident (`auto` when its alerts resolved, `manual` by someone). */
export function closeIncident(
  state: IncidentState,
  incident: Incident,
  by: string | undefined,
  resolution: 'auto' | 'manual',
): void {
  if (incident.status === 'resolved') return
  incident.status = 'resolved'
  incident.resolvedAt = state.clock.now()
  incident.resolution = resolution
  if (by) incident.resolvedBy = by
  state.escalator.clear(incident.id)
  state.open.delete(incidentKey(incident.groupKey, incident.receiver))
  state.addEvent(incident, { type: 'resolved', ...(by ? { by } : {}), reason: resolution })
  state.settled(incident.id)
}

/** A manual resolve: silences the group's firing alerts until they clear, and tells resolution-aware receivers. */
export async function resolveByHand(state: IncidentState, incident: Incident, by: string): Promise<void> {
  const group = state.groups.get(incident.groupKey)
  const now = state.clock.now()
  const firing = group ? firingAlerts(group, now) : []
  const sets = firing
    .map((a) =>
      Object.entries(a.labels)
        .filter(([, v]) => v !== '')
        .map(([k, v]) => ({ name: k, value: v })),
    )
    .filter((set) => set.length > 0)
  if (sets.length > 0 && group) {
    const silence = state.silences.create({
      matchers: sets,
      endsAt: now + 24 * 3_600_000,
      createdBy: by,
      comment: `manual resolve of incident ${incident.id}; expires when the condition clears`,
    })
    state.manualSilences.set(silence.id, group.key)
    incident.manualSilenceId = silence.id
  }
  closeIncident(state, incident, by, 'manual')
  if (!group || firing.length === 0) return
  // the silence mutes the alerts, so tell resolution-aware receivers (PagerDuty) explicitly
  const notification = buildNotification({
    group,
    receiver: incident.receiver,
    alerts: firing.map((a) => ({ ...a, endsAt: now })),
    reason: 'all alerts resolved',
    now,
    externalUrl: state.externalUrl,
    incidentId: incident.id,
  })
  for (const channel of state.receivers(incident.receiver) ?? []) {
    if (!channel.sendResolved) continue
    await deliverForIncident(state, {
      incident,
      receiver: incident.receiver,
      channel,
      notification,
      budgetMs: group.route.groupIntervalMs,
      reason: 'manual resolve',
      failure: 'notifying a manual resolve failed',
    })
  }
}

/** Mirrors an acknowledgement to the channels that support it (PagerDuty). */
export async function mirrorAcknowledgement(
  state: IncidentState,
  incident: Incident,
  by: string,
): Promise<void> {
  const notification = state.groups.get(incident.groupKey)?.lastNotification
  if (!notification) return
  for (const channel of state.receivers(incident.receiver) ?? []) {
    if (!channel.acknowledge) continue
    const at = `${incident.receiver}/${channel.type}`
    try {
      await channel.acknowledge(notification, by)
      state.addEvent(incident, { type: 'notified', channel: at, reason: 'acknowledge' })
    } catch (error) {
      state.logger.warn({ err: error, channel: channel.type }, 'mirroring an acknowledgement failed')
      state.addEvent(incident, { type: 'notify_failed', channel: at, reason: 'acknowledge' })
    }
  }
}
