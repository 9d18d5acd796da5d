import { DEFAULT_TABLE_PREFIX, noopLogger, parseInput, systemClock } from '@opskit/core'
import { collectDefaultMetrics, Registry } from 'prom-client'
import { MonitorError } from '../errors/monitor-error.js'
import { createGrafana } from '../grafana/grafana-handler.js'
import { createHealth } from '../health/health-registry.js'
import { wireMonitorHistory } from '../history/wire-history.js'
import { createBusinessMetrics } from '../metrics/business-metrics.js'
import { createCardinalityGuard } from '../metrics/cardinality-guard.js'
import { createHttpInstrumentation } from '../metrics/http-metrics.js'
import { createMetricsHandler } from '../metrics/metrics-handler.js'
import { counterOn, type MetricsRegistry } from '../metrics/register.js'
import { registrySampleSource } from '../rules/sample-source.js'
import { createKyselyMonitorStore } from '../store/kysely/kysely-monitor-store.js'
import type { MonitorStore } from '../store/monitor-store.js'
import { monitorOptionsSchema } from '../validation/monitor-options.js'
import { createAlertsApi } from './alerts-api.js'
import { createMonitorState } from './monitor-state.js'
import type { Monitor, MonitorOptions } from './monitor-types.js'
import { createSelfMetrics } from './self-metrics.js'

export type { Monitor, MonitorOptions } from './monitor-types.js'

function cardinalityGuard(registry: MetricsRegistry, maxSeriesPerMetric: number | undefined) {
  const dropped = counterOn(
    registry,
    'opskit_monitor_cardinality_dropped_total',
    'Label sets folded into the overflow series because a metric hit its series cap.',
    ['metric'],
  )
  return createCardinalityGuard(maxSeriesPerMetric ?? 1000, dropped)
}

/**
 * Creates a monitor: RED metrics, a secured `/metrics` handler, health checks and the alert
 * engine, all on the host's registry, database, clock and logger.
 *
 * @example
 * ```ts
 * const monitor = await createMonitor({ serviceName: 'tickets', store: await createKyselyMonitorStore({ db }) })
 * const server = http.createServer(monitor.http.wrap(app, { routes: ['/events/:id'] }))
 * ```
 */
export async function createMonitor(options: MonitorOptions): Promise<Monitor> {
  const parsed = parseInput(
    monitorOptionsSchema,
    options,
    (message, issues) =>
      new MonitorError('MONITOR_INVALID_OPTIONS', `invalid monitor options: ${message}`, {
        details: { issues },
      }),
  )
  const registry = options.registry ?? new Registry()
  const clock = options.clock ?? systemClock
  const logger = options.logger ?? noopLogger
  const tablePrefix = parsed.tablePrefix ?? DEFAULT_TABLE_PREFIX
  if (parsed.defaultMetrics !== false && !registry.getSingleMetric('process_cpu_user_seconds_total')) {
    collectDefaultMetrics({ register: registry })
  }
  const guard = cardinalityGuard(registry, parsed.maxSeriesPerMetric)
  const selfMetrics = createSelfMetrics(registry)
  const health = createHealth(parsed.serviceName, clock, selfMetrics)
  const { db } = options
  /** The store the monitor created from `db` (it closes it); a host's `store` stays the host's. */
  const owned: MonitorStore | undefined =
    options.store === undefined && db
      ? await createKyselyMonitorStore({ db, tablePrefix, logger })
      : undefined
  const store = options.store ?? owned
  const state = createMonitorState({ ...parsed, store, db, tablePrefix, clock, logger })
  const alerting = createAlertsApi({
    ...state.alerts,
    clock,
    logger,
    source: options.sampleSource ?? registrySampleSource(registry),
    externalUrl: parsed.externalUrl ?? '',
    selfMetrics,
    notifyRetries: parsed.notifyRetries,
  })
  const wired = await state.wire(alerting)
  const sources = [options.sampleSource ?? registrySampleSource(registry), alerting.alerts.samples]
  const history = wireMonitorHistory({
    store,
    options: options.history,
    clock,
    logger,
    engine: alerting.engine,
    sources,
  })
  let closed = false
  return {
    health,
    alerts: alerting.alerts,
    incidents: alerting.incidents,
    rules: wired.rules,
    applyRetention: wired.applyRetention,
    slo: history.slo,
    query: history.query,
    grafana: createGrafana({
      engine: alerting.engine,
      incidents: () => alerting.dispatcher.incidents.list(),
      alerts: () => alerting.engine.instances(),
    }),
    serviceName: parsed.serviceName,
    registry,
    http: createHttpInstrumentation(registry, guard),
    metrics: createBusinessMetrics(registry, guard),
    metricsHandler: (handlerOptions) => createMetricsHandler(registry, handlerOptions),
    async close() {
      if (closed) return
      closed = true
      health.markShuttingDown()
      health.close()
      await alerting.close()
      await history.history.close()
      await wired.close()
      await owned?.close()
    },
  }
}
