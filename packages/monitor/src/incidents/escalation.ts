import type { Clock } from '@opskit/core'
import { type AggregationGroup, firingAlerts } from '../alerting/aggregation-group.js'
import type { DispatchContext } from '../alerting/dispatch-context.js'
import { buildNotification } from '../alerting/notification.js'
import type { Incident } from './incident.js'
import { deliverForIncident, type IncidentEvents } from './incident-delivery.js'

/** One escalation level: notify `receivers` when an incident is unacknowledged and firing for `afterMs`. */
export interface EscalationLevel {
  afterMs: number
  receivers: string[]
}

/** What escalation reads: the policy, the incidents and the dispatcher's groups. */
export interface EscalationContext extends DispatchContext, IncidentEvents {
  escalation(): readonly EscalationLevel[]
  incidents: ReadonlyMap<string, Incident>
  groups: ReadonlyMap<string, AggregationGroup>
}

/** The escalation timers of every open incident. */
export interface Escalation {
  /** (Re)schedules every level of the policy for an incident triggered at `from`. */
  schedule(incident: Incident, from: number): void
  /** Cancels an incident's pending levels. */
  clear(incidentId: string): void
  /** Cancels every timer. */
  clearAll(): void
}

/** Builds the {@link Escalation} timers over the context's policy. */
export function createEscalation(ctx: EscalationContext): Escalation {
  const { clock } = ctx
  const timers = new Map<string, Array<ReturnType<Clock['setTimeout']>>>()

  const clear = (incidentId: string) => {
    for (const timer of timers.get(incidentId) ?? []) clock.clearTimeout(timer)
    timers.delete(incidentId)
  }

  const escalate = async (incidentId: string, index: number) => {
    const incident = ctx.incidents.get(incidentId)
    const level = ctx.escalation()[index]
    if (!incident || !level || incident.status !== 'triggered' || incident.escalationLevel > index) return
    const group = ctx.groups.get(incident.groupKey)
    if (!group) {
      // after a restart the group reappears with the next evaluation: look again in a minute
      const retry = clock.setTimeout(() => void escalate(incidentId, index), 60_000)
      timers.set(incidentId, [...(timers.get(incidentId) ?? []), retry])
      return
    }
    const now = clock.now()
    const firing = firingAlerts(group, now)
    if (firing.length === 0) return
    incident.escalationLevel = index + 1
    ctx.addEvent(incident, { type: 'escalated', level: index + 1 })
    for (const receiver of level.receivers) {
      for (const channel of ctx.receivers(receiver) ?? []) {
        const notification = {
          ...buildNotification({
            group,
            receiver,
            alerts: firing,
            reason: 'escalation',
            now,
            externalUrl: ctx.externalUrl,
            incidentId: incident.id,
          }),
          escalationLevel: index + 1,
        }
        await deliverForIncident(ctx, {
          incident,
          receiver,
          channel,
          notification,
          budgetMs: group.route.groupIntervalMs,
          reason: 'escalation',
          level: index + 1,
          failure: 'escalation notification failed',
        })
      }
    }
  }

  return {
    schedule(incident, from) {
      clear(incident.id)
      const levels = ctx.escalation()
      const scheduled = levels.map((level, index) =>
        clock.setTimeout(
          () => {
            void escalate(incident.id, index)
          },
          Math.max(0, from + level.afterMs - clock.now()),
        ),
      )
      timers.set(incident.id, scheduled)
    },
    clear,
    clearAll() {
      for (const id of [...timers.keys()]) clear(id)
    },
  }
}
