import type { DispatcherMetrics } from '../alerting/dispatch-context.js'
import type { HealthStatus } from '../health/health-check.js'
import type { HealthObserver } from '../health/health-registry.js'
import { counterOn, gaugeOn, histogramOn, type MetricsRegistry } from '../metrics/register.js'

const HEALTH_STATUSES: readonly HealthStatus[] = ['pass', 'warn', 'fail']

/** The monitor's own metrics (prefixed `opskit_monitor_`). */
export interface SelfMetrics extends DispatcherMetrics, HealthObserver {
  evaluation(durationSeconds: number, rules: number, failed: number): void
  missedIteration(): void
}

/** Registers the self-metrics on `registry` (idempotently). */
export function createSelfMetrics(registry: MetricsRegistry): SelfMetrics {
  const duration = histogramOn(
    registry,
    'opskit_monitor_rule_evaluation_duration_seconds',
    'Duration of one evaluation of all alert rules.',
    [],
    [0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5],
  )
  const evaluated = counterOn(registry, 'opskit_monitor_rules_evaluated_total', 'Alert rule evaluations.', [])
  const failures = counterOn(
    registry,
    'opskit_monitor_rule_evaluation_failures_total',
    'Alert rule evaluations that failed.',
    [],
  )
  const missed = counterOn(
    registry,
    'opskit_monitor_rule_iterations_missed_total',
    'Evaluation ticks skipped because the previous evaluation was still running.',
    [],
  )
  const notifications = counterOn(
    registry,
    'opskit_monitor_notifications_total',
    'Notifications by receiver, integration and outcome.',
    ['receiver', 'integration', 'outcome'],
  )
  const silenced = counterOn(
    registry,
    'opskit_monitor_alerts_silenced_total',
    'Alerts muted by a silence at notification time.',
    [],
  )
  const inhibited = counterOn(
    registry,
    'opskit_monitor_alerts_inhibited_total',
    'Alerts muted by inhibition at notification time.',
    [],
  )
  // One series per status, 1 for the current one (the enum idiom of Prometheus exporters), so
  // that a rule can say `opskit_monitor_health_check_status{check="db",status="fail"} == 1`.
  const healthStatus = gaugeOn(
    registry,
    'opskit_monitor_health_check_status',
    'Latest result of each health check: 1 for its current status, 0 for the others.',
    ['check', 'kind', 'status'],
  )
  return {
    measured(check, kind, current) {
      for (const status of HEALTH_STATUSES)
        healthStatus.set({ check, kind, status }, status === current ? 1 : 0)
    },
    removed(check, kind) {
      for (const status of HEALTH_STATUSES) healthStatus.remove({ check, kind, status })
    },
    evaluation(seconds, rules, failed) {
      duration.observe(seconds)
      evaluated.inc(rules)
      if (failed > 0) failures.inc(failed)
    },
    missedIteration: () => missed.inc(),
    notified: (receiver, integration, outcome) => notifications.inc({ receiver, integration, outcome }),
    silenced: (n) => silenced.inc(n),
    inhibited: (n) => inhibited.inc(n),
  }
}
