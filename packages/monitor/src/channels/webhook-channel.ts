import { sha256Hex, webhookHeaders } from '@opskit/core'
import { MonitorError } from '../errors/monitor-error.js'
import type { AlertChannel, AlertNotification } from './alert-channel.js'
import { channelClient, type OutboundChannelOptions, postJson } from './http-post.js'

/** Options of {@link createWebhookChannel}. */
export interface WebhookChannelOptions extends OutboundChannelOptions {
  url: string
  /** Standard Webhooks signing secret(s) (`whsec_…`); without it the body is sent unsigned. */
  secret?: string | string[]
  /** @default true */
  sendResolved?: boolean
  /** Send at most this many alerts, reporting the rest in `truncatedAlerts`; 0 = all. @default 0 */
  maxAlerts?: number
  /** Extra headers (e.g. an authorization token). */
  headers?: Record<string, string>
  /** Unix seconds for the signature; defaults to the wall clock. */
  now?: () => number
}

/** The Alertmanager webhook (version 4) body. */
export interface AlertmanagerWebhookPayload {
  version: '4'
  groupKey: string
  truncatedAlerts: number
  status: 'firing' | 'resolved'
  receiver: string
  groupLabels: Record<string, string>
  commonLabels: Record<string, string>
  commonAnnotations: Record<string, string>
  externalURL: string
  notification_reason: string
  alerts: AlertNotification['alerts']
}

/** Builds the Alertmanager v4 payload of a notification. */
export function alertmanagerPayload(n: AlertNotification, maxAlerts = 0): AlertmanagerWebhookPayload {
  const alerts = maxAlerts > 0 ? n.alerts.slice(0, maxAlerts) : n.alerts
  return {
    version: '4',
    groupKey: n.groupKey,
    truncatedAlerts: n.alerts.length - alerts.length,
    status: n.status,
    receiver: n.receiver,
    groupLabels: n.groupLabels,
    commonLabels: n.commonLabels,
    commonAnnotations: n.commonAnnotations,
    externalURL: n.externalURL,
    notification_reason: n.reason,
    alerts,
  }
}

/**
 * A generic webhook channel posting Alertmanager's v4 payload, signed with Standard Webhooks
 * headers (`webhook-id` stays the same across retries of one notification).
 */
export function createWebhookChannel(options: WebhookChannelOptions): AlertChannel {
  if (!options || typeof options.url !== 'string' || !/^https?:\/\//.test(options.url))
    throw new MonitorError('MONITOR_INVALID_OPTIONS', 'webhook: url must be an http(s) URL')
  const client = channelClient(options)
  return {
    type: 'webhook',
    sendResolved: options.sendResolved ?? true,
    async send(n, signal) {
      const body = JSON.stringify(alertmanagerPayload(n, options.maxAlerts ?? 0))
      const id = `msg_${sha256Hex(body).slice(0, 32)}`
      const headers: Record<string, string> = { ...(options.headers ?? {}) }
      if (options.secret !== undefined) {
        Object.assign(
          headers,
          webhookHeaders({
            id,
            timestamp: options.now ? options.now() : Math.floor(Date.now() / 1000),
            payload: body,
            secrets: options.secret,
          }),
        )
      }
      await postJson(client, options.url, body, headers, signal, 'webhook')
    },
  }
}
