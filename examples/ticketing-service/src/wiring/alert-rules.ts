import type { AlertRuleDefinition } from '@opskit/monitor'

/**
 * The ticketing service's alert rules. `ops/prometheus-rules.yml` holds the same rules for a
 * Prometheus server; keep the two in step.
 */
export const ALERT_RULES: AlertRuleDefinition[] = [
  {
    name: 'HighRequestLatency',
    // Sign-up and login hash passwords with scrypt on purpose; they are left out of the latency SLO.
    expr: 'histogram_quantile(0.9, sum by (le) (rate(http_server_request_duration_seconds_bucket{route=~"/api/.*",route!~"/api/(users|sessions)"}[5s]))) > 0.5',
    for: '2s',
    labels: { severity: 'page', team: 'ticketing' },
    annotations: {
      summary: 'p90 API latency is {{value}} s (over 0.5 s)',
      runbook: 'Check the database and recent deploys; /ops shows the latency chart.',
    },
  },
  {
    name: 'LoginFailureBurst',
    expr: 'sum(increase(ticketing_logins_total{outcome="failure"}[1m])) > 5',
    labels: { severity: 'warning', team: 'security' },
    annotations: { summary: '{{value}} failed logins in the last minute' },
  },
]
