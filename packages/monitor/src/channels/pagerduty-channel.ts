import { sha256Hex } from '@opskit/core'
import { MonitorError } from '../errors/monitor-error.js'
import type { AlertChannel, AlertNotification } from './alert-channel.js'
import { channelClient, type OutboundChannelOptions, postJson } from './http-post.js'
import { notificationText, notificationTitle, truncate } from './render.js'

/** Options of {@link createPagerDutyChannel}. */
export interface PagerDutyChannelOptions extends OutboundChannelOptions {
  /** The Events API v2 integration (routing) key. */
  routingKey: string
  /** @default 'https://events.pagerduty.com/v2/enqueue' */
  url?: string
  /** @default true */
  sendResolved?: boolean
  /** `payload.source`. @default the group's `instance` label or 'opskit-monitor' */
  source?: string
  /** Used when the alerts carry no `severity` label in {critical, error, warning, info}. @default 'error' */
  defaultSeverity?: 'critical' | 'error' | 'warning' | 'info'
  /** `client` shown in PagerDuty. @default 'opskit monitor' */
  client?: string
}

const SEVERITIES = new Set(['critical', 'error', 'warning', 'info'])
const MAX_EVENT_BYTES = 512_000

/** The dedup key of a group: hex SHA-256 of the group key (64 characters), as Alertmanager does. */
export function pagerDutyDedupKey(groupKey: string): string {
  return sha256Hex(groupKey)
}

/**
 * A PagerDuty Events API v2 channel: `trigger` while anything in the group fires, `resolve` when
 * all resolved, `acknowledge` mirrored from `monitor.alerts.acknowledge()`, all on a stable
 * `dedup_key`. 202 is success; 400 is not retried; 429 and 5xx are.
 */
export function createPagerDutyChannel(options: PagerDutyChannelOptions): AlertChannel {
  if (!options || typeof options.routingKey !== 'string' || options.routingKey.length === 0)
    throw new MonitorError('MONITOR_INVALID_OPTIONS', 'pagerduty: routingKey is required')
  const url = options.url ?? 'https://events.pagerduty.com/v2/enqueue'
  const client = channelClient(options)
  const post = async (event: Record<string, unknown>, signal: AbortSignal) => {
    let body = JSON.stringify(event)
    if (Buffer.byteLength(body) > MAX_EVENT_BYTES) {
      const payload = { ...(event.payload as Record<string, unknown>) }
      delete payload.custom_details
      body = JSON.stringify({ ...event, payload })
    }
    const { status } = await postJson(client, url, body, {}, signal, 'pagerduty')
    if (status !== 202 && status !== 200)
      throw new MonitorError('MONITOR_CHANNEL_FAILED', `pagerduty: unexpected status ${status}`, {
        retryable: false,
        details: { status },
      })
  }
  const severityOf = (n: AlertNotification) => {
    const s = n.commonLabels.severity ?? n.alerts.find((a) => a.labels.severity)?.labels.severity
    return s && SEVERITIES.has(s) ? s : (options.defaultSeverity ?? 'error')
  }
  return {
    type: 'pagerduty',
    sendResolved: options.sendResolved ?? true,
    async send(n, signal) {
      const dedupKey = pagerDutyDedupKey(n.groupKey)
      if (n.status === 'resolved') {
        await post({ routing_key: options.routingKey, event_action: 'resolve', dedup_key: dedupKey }, signal)
        return
      }
      const firing = n.alerts.filter((a) => a.status === 'firing')
      await post(
        {
          routing_key: options.routingKey,
          event_action: 'trigger',
          dedup_key: dedupKey,
          client: options.client ?? 'opskit monitor',
          ...(n.externalURL ? { client_url: n.externalURL } : {}),
          payload: {
            summary: truncate(notificationTitle(n), 1024),
            source: options.source ?? n.commonLabels.instance ?? 'opskit-monitor',
            severity: severityOf(n),
            timestamp: firing[0]?.startsAt,
            ...(n.commonLabels.alertname ? { class: n.commonLabels.alertname } : {}),
            ...(n.commonLabels.job ? { component: n.commonLabels.job } : {}),
            group: n.groupKey,
            custom_details: {
              firing: notificationText(n),
              num_firing: firing.length,
              num_resolved: n.alerts.length - firing.length,
              reason: n.reason,
              ...(n.incidentId ? { incident_id: n.incidentId } : {}),
            },
          },
        },
        signal,
      )
    },
    async acknowledge(n) {
      await post(
        {
          routing_key: options.routingKey,
          event_action: 'acknowledge',
          dedup_key: pagerDutyDedupKey(n.groupKey),
        },
        AbortSignal.timeout(10_000),
      )
    },
  }
}
