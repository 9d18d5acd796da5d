import type { Labels } from '../labels/labels.js'

/** Why a group is notified (Alertmanager's notification reasons, plus escalation). */
export type NotifyReason =
  | 'first notification'
  | 'new alerts added'
  | 'some alerts resolved'
  | 'all alerts resolved'
  | 'repeat interval elapsed'
  | 'escalation'

/** One alert inside a notification. Times are ISO-8601 strings, as in Alertmanager's payloads. */
export interface NotifiedAlert {
  status: 'firing' | 'resolved'
  labels: Labels
  annotations: Record<string, string>
  startsAt: string
  /** For firing alerts Alertmanager sends the zero time; resolved ones carry when they resolved. */
  endsAt: string
  generatorURL: string
  fingerprint: string
}

/** What a channel receives for one aggregation group. */
export interface AlertNotification {
  receiver: string
  /** Route id plus group labels; stable for the life of the group. */
  groupKey: string
  status: 'firing' | 'resolved'
  reason: NotifyReason
  groupLabels: Labels
  commonLabels: Labels
  commonAnnotations: Record<string, string>
  externalURL: string
  alerts: NotifiedAlert[]
  /** The incident this group belongs to. */
  incidentId?: string
  /** Escalation level (1-based) for `reason: 'escalation'`. */
  escalationLevel?: number
}

/**
 * A notification channel (Alertmanager's "integration"). Throw a `MonitorError` with
 * `code: 'MONITOR_CHANNEL_FAILED'` and `retryable` set for transient failures.
 */
export interface AlertChannel {
  /** Kind of integration, e.g. `slack`, `pagerduty`, `webhook`, `email`. */
  readonly type: string
  /** Whether resolved alerts are sent (defaults differ per channel, as in Alertmanager). */
  readonly sendResolved: boolean
  /** Delivers one notification; `signal` aborts at the group interval. */
  send(notification: AlertNotification, signal: AbortSignal): Promise<void>
  /** Mirrors an acknowledgement to the channel (PagerDuty `acknowledge`); optional. */
  acknowledge?(notification: AlertNotification, by: string): Promise<void>
}
