import { sha256Hex } from '@opskit/core'
import { escapeHtml } from '@opskit/core/internal'
import { MonitorError } from '../errors/monitor-error.js'
import type { AlertChannel, AlertNotification } from './alert-channel.js'
import { notificationText, notificationTitle } from './render.js'

/**
 * The part of `@opskit/notify`'s notifier this channel uses (structural, so monitor does not
 * import notify): `notifier.send({ to, channels, content, category, priority, idempotencyKey })`.
 */
export interface NotifierLike {
  send(input: {
    to: { email?: string | string[]; phone?: string }
    channels: Array<'email' | 'sms'>
    content: { subject?: string; text?: string; html?: string }
    category?: string
    priority?: 'low' | 'normal' | 'high' | 'critical'
    idempotencyKey?: string
  }): Promise<unknown>
}

/** Options of {@link createNotifierChannel}. */
export interface NotifierChannelOptions {
  notifier: NotifierLike
  /** `email` or `sms`. */
  channel: 'email' | 'sms'
  /** Recipients: email address(es) or a phone number. */
  to: { email?: string | string[]; phone?: string }
  /** @default false (as Alertmanager's email receiver) */
  sendResolved?: boolean
  /** Notification category for the notifier's preferences. @default 'alert' */
  category?: string
}

/**
 * Email or SMS through `@opskit/notify`. Notifications of `severity=critical|page` alerts are
 * sent with `priority: 'critical'` (bypassing quiet hours); the idempotency key is derived from
 * the group, reason and alert set, so a retried flush does not send twice.
 */
export function createNotifierChannel(options: NotifierChannelOptions): AlertChannel {
  if (!options?.notifier || typeof options.notifier.send !== 'function')
    throw new MonitorError('MONITOR_INVALID_OPTIONS', 'notifier channel: a notifier with send() is required')
  if (options.channel === 'email' && !options.to?.email)
    throw new MonitorError('MONITOR_INVALID_OPTIONS', 'notifier channel: email needs to.email')
  if (options.channel === 'sms' && !options.to?.phone)
    throw new MonitorError('MONITOR_INVALID_OPTIONS', 'notifier channel: sms needs to.phone')
  const priorityOf = (n: AlertNotification) => {
    const severity = n.commonLabels.severity ?? n.alerts[0]?.labels.severity
    return severity === 'critical' || severity === 'page' ? 'critical' : 'high'
  }
  return {
    type: options.channel,
    sendResolved: options.sendResolved ?? false,
    async send(n) {
      const text = notificationText(n)
      // One key per channel and recipient: the e-mail and the SMS of one receiver are two messages.
      const recipient = options.channel === 'email' ? options.to.email : options.to.phone
      const key = `${options.channel}|${recipient}|${n.groupKey}|${n.reason}|${n.alerts.map((a) => `${a.fingerprint}:${a.status}:${a.startsAt}`).join(',')}`
      try {
        await options.notifier.send({
          to: options.to,
          channels: [options.channel],
          content:
            options.channel === 'email'
              ? { subject: notificationTitle(n), text, html: `<pre>${escapeHtml(text)}</pre>` }
              : { text: notificationTitle(n) },
          category: options.category ?? 'alert',
          priority: priorityOf(n),
          idempotencyKey: `monitor:${sha256Hex(key)}`,
        })
      } catch (error) {
        const e = error as { retryable?: unknown }
        throw new MonitorError('MONITOR_CHANNEL_FAILED', `${options.channel}: ${(error as Error).message}`, {
          retryable: e?.retryable === true,
          cause: error as Error,
        })
      }
    },
  }
}
