import type { AlertsWiring } from '../wiring/alerts.js'
import type { NotifyWiring } from '../wiring/notify.js'
import type { ReportsWiring } from '../wiring/reports.js'
import { FEATURES } from '../wiring/status.js'
import type { OpsDeps } from './ops-deps.js'
import type { OpsSession } from './ops-session.js'

const AUDIT_EVENTS_SHOWN = 50
const REPORT_RUNS_SHOWN = 20
const INCIDENTS_SHOWN = 20

/** What `GET /ops/api/state` answers: everything the operator page shows, read at once. */
export async function readOpsState(deps: OpsDeps, session: OpsSession) {
  const { audit, alerts } = deps
  const [health, page, verify, history] = await Promise.all([
    deps.monitor.monitor.health.run('readiness'),
    audit.log.query({ limit: AUDIT_EVENTS_SHOWN }),
    audit.log.verify({ publicKey: audit.publicKey, checkpoint: audit.checkpoints }),
    deps.reports.reports.history({ limit: REPORT_RUNS_SHOWN }),
  ])
  return {
    user: { email: session.email, name: session.name },
    csrfToken: session.csrfToken,
    health,
    alerts: activeAlerts(alerts),
    incidents: recentIncidents(alerts),
    audit: {
      verify: { ok: verify.ok, checked: verify.checked, failures: verify.failures.length },
      events: page.events.map((e) => ({
        seq: e.seq,
        at: e.occurredAt,
        action: e.action,
        outcome: e.outcome,
        actor: e.actor.email ?? e.actor.id,
        target: e.target ? `${e.target.type}${e.target.id ? `:${e.target.id}` : ''}` : '',
      })),
    },
    notifications: notificationCounts(alerts, deps.notify),
    reports: reportRuns(history),
    latency: deps.latency.points(),
    features: Object.fromEntries(Object.entries(FEATURES).map(([k, v]) => [k, v.wired])),
  }
}

/** Alert instances that are pending or firing. */
function activeAlerts(alerts: AlertsWiring) {
  return alerts
    .instances()
    .filter((i) => i.state !== 'inactive')
    .map((i) => ({
      rule: i.rule,
      state: i.state,
      value: i.value,
      summary: i.annotations.summary ?? '',
      severity: i.labels.severity ?? '',
      activeAt: i.activeAt,
      firedAt: i.firedAt,
    }))
}

/** The latest incidents, newest first. */
function recentIncidents(alerts: AlertsWiring) {
  return alerts
    .incidents()
    .slice(-INCIDENTS_SHOWN)
    .reverse()
    .map((i) => ({
      id: i.id,
      title: i.title,
      status: i.status,
      triggeredAt: i.triggeredAt,
      acknowledgedAt: i.acknowledgedAt,
      acknowledgedBy: i.acknowledgedBy,
      resolvedAt: i.resolvedAt,
    }))
}

/** Notification counts: the operator console's, then each notify channel's by status. */
function notificationCounts(alerts: AlertsWiring, notify: NotifyWiring | undefined): Record<string, number> {
  const notifications: Record<string, number> = { 'ops-console': alerts.notifications.length }
  for (const [channel, byStatus] of Object.entries(notify?.counts ?? {})) {
    for (const [status, count] of Object.entries(byStatus)) notifications[`${channel} ${status}`] = count
  }
  return notifications
}

/** Report runs as the page lists them. */
function reportRuns(history: Awaited<ReturnType<ReportsWiring['reports']['history']>>) {
  return history.map((run) => ({
    id: run.id,
    report: run.report,
    format: run.format,
    status: run.status,
    rows: run.rows,
    bytes: run.bytes,
    filename: run.filename,
    at: run.startedAt.getTime(),
  }))
}
