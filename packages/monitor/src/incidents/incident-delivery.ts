import type { DispatchContext } from '../alerting/dispatch-context.js'
import { sendWithRetry } from '../alerting/notification.js'
import type { AlertChannel, AlertNotification } from '../channels/alert-channel.js'
import type { Incident, IncidentEvent } from './incident.js'

/** What incident modules need besides the dispatch context: recording timeline events. */
export interface IncidentEvents {
  addEvent(incident: Incident, event: Omit<IncidentEvent, 'at'>): void
}

/** One delivery of an incident's notification through one channel. */
export interface IncidentDelivery {
  incident: Incident
  receiver: string
  channel: AlertChannel
  notification: AlertNotification
  /** The send budget: the group interval. */
  budgetMs: number
  /** The timeline reason: `escalation`, `manual resolve`. */
  reason: string
  /** The escalation level, recorded on a successful escalation. */
  level?: number
  /** The log message of a failure. */
  failure: string
}

/** Sends, counts the outcome and records it on the incident's timeline (`notified` or `notify_failed`). */
export async function deliverForIncident(
  ctx: DispatchContext & IncidentEvents,
  delivery: IncidentDelivery,
): Promise<void> {
  const { incident, receiver, channel, reason } = delivery
  const channelName = `${receiver}/${channel.type}`
  try {
    await sendWithRetry(ctx, channel, delivery.notification, delivery.budgetMs)
    ctx.metrics.notified(receiver, channel.type, 'sent')
    ctx.addEvent(incident, {
      type: 'notified',
      channel: channelName,
      reason,
      ...(delivery.level === undefined ? {} : { level: delivery.level }),
    })
  } catch (error) {
    ctx.metrics.notified(receiver, channel.type, 'failed')
    ctx.logger.warn({ err: error, receiver, channel: channel.type }, delivery.failure)
    ctx.addEvent(incident, { type: 'notify_failed', channel: channelName, reason })
  }
}
