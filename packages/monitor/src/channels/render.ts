import type { AlertNotification } from './alert-channel.js'

/** A one-line title like Alertmanager's default: `[FIRING:2] HighLatency (team=api)`. */
export function notificationTitle(n: AlertNotification): string {
  const firing = n.alerts.filter((a) => a.status === 'firing').length
  const status = n.status === 'firing' ? `FIRING:${firing}` : 'RESOLVED'
  const name = n.commonLabels.alertname ?? n.groupLabels.alertname ?? 'alerts'
  const labels = Object.entries(n.groupLabels)
    .filter(([k]) => k !== 'alertname')
    .map(([k, v]) => `${k}=${v}`)
    .join(' ')
  const level = n.reason === 'escalation' && n.escalationLevel ? ` [escalation ${n.escalationLevel}]` : ''
  return `[${status}] ${name}${labels ? ` (${labels})` : ''}${level}`
}

/** A plain-text body: one line per alert with its summary (or labels). */
export function notificationText(n: AlertNotification): string {
  const lines = n.alerts.map((a) => {
    const summary = a.annotations.summary ?? a.annotations.description ?? ''
    const labels = Object.entries(a.labels)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')
    return `- ${a.status.toUpperCase()} ${summary || labels}${summary ? ` (${labels})` : ''}`
  })
  return [notificationTitle(n), ...lines].join('\n')
}

/** Truncates to `max` characters (code points), marking the cut with an ellipsis. */
export function truncate(text: string, max: number): string {
  const chars = [...text]
  return chars.length <= max ? text : `${chars.slice(0, max - 1).join('')}…`
}
