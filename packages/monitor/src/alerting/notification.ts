import { type Clock, isOpskitError, retry } from '@opskit/core'
import type {
  AlertChannel,
  AlertNotification,
  NotifiedAlert,
  NotifyReason,
} from '../channels/alert-channel.js'
import type { PostableAlert } from '../rules/alert-types.js'
import type { AggregationGroup } from './aggregation-group.js'

const EPOCH_ZERO = '0001-01-01T00:00:00Z'

function common(records: ReadonlyArray<Record<string, string>>): Record<string, string> {
  if (records.length === 0) return {}
  const out: Record<string, string> = { ...records[0] }
  for (const r of records.slice(1)) for (const k of Object.keys(out)) if (r[k] !== out[k]) delete out[k]
  return out
}

function toNotified(a: PostableAlert, now: number): NotifiedAlert {
  const resolved = a.endsAt <= now
  return {
    status: resolved ? 'resolved' : 'firing',
    labels: a.labels,
    annotations: a.annotations,
    startsAt: new Date(a.startsAt).toISOString(),
    endsAt: resolved ? new Date(a.endsAt).toISOString() : EPOCH_ZERO,
    generatorURL: a.generatorURL ?? '',
    fingerprint: a.fingerprint,
  }
}

/** What a notification is about: the group, its receiver and alerts, why, and when. */
export interface NotificationInput {
  group: AggregationGroup
  receiver: string
  alerts: readonly PostableAlert[]
  reason: NotifyReason
  now: number
  externalUrl: string
  incidentId?: string | undefined
}

/** The notification of Alertmanager's webhook shape (plus reason and incident) for a group. */
export function buildNotification(input: NotificationInput): AlertNotification {
  const { group, alerts: list, now } = input
  const notified = list.map((a) => toNotified(a, now))
  return {
    receiver: input.receiver,
    groupKey: group.key,
    status: notified.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
    reason: input.reason,
    groupLabels: group.labels,
    commonLabels: common(list.map((a) => a.labels)),
    commonAnnotations: common(list.map((a) => a.annotations)),
    externalURL: input.externalUrl,
    alerts: notified,
    ...(input.incidentId ? { incidentId: input.incidentId } : {}),
  }
}

/** What sending needs: the clock for the budget and backoff, and the in-stage retries. */
export interface SendContext {
  clock: Clock
  notifyRetries: number
}

/**
 * Sends through a channel within `budgetMs` (the group interval), retrying retryable failures
 * with backoff and honouring a `retryAfterMs` the channel reports.
 */
export async function sendWithRetry(
  ctx: SendContext,
  channel: AlertChannel,
  notification: AlertNotification,
  budgetMs: number,
): Promise<void> {
  const { clock } = ctx
  const controller = new AbortController()
  const timer = clock.setTimeout(() => controller.abort(), budgetMs)
  try {
    await retry(() => channel.send(notification, controller.signal), {
      retries: ctx.notifyRetries,
      baseMs: Math.min(1000, budgetMs / 8),
      maxMs: Math.max(1, budgetMs / 4),
      clock,
      signal: controller.signal,
      isRetryable: (error) => isOpskitError(error) && error.retryable,
      retryAfterMs: (error) => {
        const after = isOpskitError(error) ? error.details?.retryAfterMs : undefined
        return typeof after === 'number' ? after : undefined
      },
    })
  } finally {
    clock.clearTimeout(timer)
  }
}
