import { MonitorError } from '../errors/monitor-error.js'
import type { AlertChannel, AlertNotification } from './alert-channel.js'
import { channelClient, type OutboundChannelOptions, postJson } from './http-post.js'
import { notificationText, notificationTitle, truncate } from './render.js'

/** Options of {@link createSlackChannel}. */
export interface SlackChannelOptions extends OutboundChannelOptions {
  /** The incoming-webhook URL (a secret: it is a bearer credential). */
  webhookUrl: string
  /** @default false (as Alertmanager's Slack receiver) */
  sendResolved?: boolean
  /**
   * Builds the message body; defaults to `text` plus a section block. A custom renderer must
   * escape label and annotation values itself (see {@link escapeSlackText}).
   */
  render?: (notification: AlertNotification) => Record<string, unknown>
}

/**
 * Escapes `&`, `<` and `>` as Slack asks for `text` and `mrkdwn` fields, so a label or
 * annotation value cannot become a link (`<http://x|y>`) or a mention (`<!channel>`, `<@U…>`).
 */
export function escapeSlackText(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;')
}

/**
 * A Slack incoming-webhook channel. Success is HTTP 200 with the body `ok`; 429 (with
 * `Retry-After`) and 5xx are retried, other errors (`invalid_payload`, `no_text`) are not.
 */
export function createSlackChannel(options: SlackChannelOptions): AlertChannel {
  if (!options || typeof options.webhookUrl !== 'string' || !/^https?:\/\//.test(options.webhookUrl))
    throw new MonitorError('MONITOR_INVALID_OPTIONS', 'slack: webhookUrl must be an http(s) URL')
  const render =
    options.render ??
    ((n: AlertNotification) => {
      const text = truncate(escapeSlackText(notificationText(n)), 3000)
      return {
        text,
        blocks: [
          { type: 'header', text: { type: 'plain_text', text: truncate(notificationTitle(n), 150) } },
          { type: 'section', text: { type: 'mrkdwn', text } },
        ],
      }
    })
  const client = channelClient(options)
  return {
    type: 'slack',
    sendResolved: options.sendResolved ?? false,
    async send(notification, signal) {
      const { text } = await postJson(
        client,
        options.webhookUrl,
        JSON.stringify(render(notification)),
        {},
        signal,
        'slack',
      )
      if (text.trim() !== 'ok')
        throw new MonitorError(
          'MONITOR_CHANNEL_FAILED',
          `slack: unexpected response body (${Buffer.byteLength(text)} bytes, expected "ok")`,
          {
            retryable: false,
          },
        )
    },
  }
}
