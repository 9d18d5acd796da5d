import {
  type Clock,
  DEFAULT_TABLE_PREFIX,
  dialectOf,
  type HostDatabase,
  type Logger,
  noopLogger,
  parseInput,
  systemClock,
  uuidv7,
} from '@opskit/core'
import { collectDefaultMetrics, Registry } from 'prom-client'
import { z } from 'zod'
import { MonitorError } from '../errors/monitor-error.js'
import { createGrafana, type Grafana } from '../grafana/grafana-handler.js'
import { createHealth, type Health } from '../health/health-registry.js'
import type { Incident } from '../incidents/incident.js'
import { type BusinessMetrics, createBusinessMetrics } from '../metrics/business-metrics.js'
import { createCardinalityGuard } from '../metrics/cardinality-guard.js'
import { createHttpInstrumentation, type HttpInstrumentation } from '../metrics/http-metrics.js'
import {
  createMetricsHandler,
  type MetricsHandler,
  type MetricsHandlerOptions,
} from '../metrics/metrics-handler.js'
import { counterOn, type MetricsRegistry } from '../metrics/register.js'
import { registrySampleSource, type SampleSource } from '../rules/sample-source.js'
import { createSlos, type Slos } from '../slo/slo.js'
import { createKyselyMonitorStore } from '../store/kysely/kysely-monitor-store.js'
import { createAdvisoryLockElector, type LeaderElector } from '../store/kysely/leader-election.js'
import type { MonitorStore } from '../store/monitor-store.js'
import {
  type Alerts,
  type AlertsHooks,
  createAlertsApi,
  type IncidentCommand,
  type Incidents,
} from './alerts-api.js'
import { createPersistence } from './persistence.js'
import { createSelfMetrics } from './self-metrics.js'

/** Configuration of {@link createMonitor}. */
export interface MonitorConfig {
  /** The service's name, used in health output and as the `service` of notifications. */
  serviceName: string
  /** The host's prom-client registry; a new one is created when omitted. */
  registry?: MetricsRegistry
  /** The host's Kysely database, for the alert state store and leader election. */
  db?: HostDatabase
  /** Clock for timestamps and timers. @default systemClock */
  clock?: Clock
  /** Logger. @default noopLogger */
  logger?: Logger
  /** Register prom-client's default process metrics (idempotent). @default true */
  defaultMetrics?: boolean
  /** Maximum distinct label sets per metric before new ones fold into `__other__`. @default 1000 */
  maxSeriesPerMetric?: number
  /** Where rules read samples; defaults to the registry (plus `alerts.samples`, always). */
  sampleSource?: SampleSource
  /** Link put in notifications (`externalURL`, `generatorURL`). @default '' */
  externalUrl?: string
  /** In-stage retries of a failed notification before the next group interval. @default 2 */
  notifyRetries?: number
  /** Prefix of the monitor's table when `db` is given. @default 'opskit_' */
  tablePrefix?: string
  /** A custom state store (wins over `db` for state; `db` still elects the leader on PostgreSQL). */
  store?: MonitorStore
}

/** A monitor built by {@link createMonitor}. */
export interface Monitor {
  /** The service name given in the configuration. */
  readonly serviceName: string
  /** The prom-client registry every metric of this monitor is on. */
  readonly registry: MetricsRegistry
  /** RED metrics for HTTP servers. */
  readonly http: HttpInstrumentation
  /** Cardinality-guarded business metric helpers. */
  readonly metrics: BusinessMetrics
  /** Liveness, readiness and startup checks and their HTTP handler. */
  readonly health: Health
  /** Alert rules, routing, silences, inhibition, acknowledgement and escalation. */
  readonly alerts: Alerts
  /** Incidents with their timeline, MTTA and MTTR. */
  readonly incidents: Incidents
  /** SLOs with multi-window burn-rate alerts and SLA reports. */
  readonly slo: Slos
  /** A Grafana JSON datasource over the rule engine's samples, alerts and incidents. */
  readonly grafana: Grafana
  /** The `/metrics` handler; closed unless `allow` or `basicAuth` is given. */
  metricsHandler(options?: MetricsHandlerOptions): MetricsHandler
  /** Stops timers and releases resources. Safe to call twice. */
  close(): Promise<void>
}

const configSchema = z.object({
  serviceName: z.string().min(1).max(200),
  registry: z.instanceof(Registry).optional(),
  db: z.unknown().optional(),
  clock: z.custom<Clock>((v) => typeof v === 'object' && v !== null && 'now' in v).optional(),
  logger: z.custom<Logger>((v) => typeof v === 'object' && v !== null).optional(),
  defaultMetrics: z.boolean().optional(),
  maxSeriesPerMetric: z.number().int().positive().optional(),
  sampleSource: z.custom<SampleSource>((v) => typeof (v as SampleSource)?.collect === 'function').optional(),
  externalUrl: z.string().max(2000).optional(),
  notifyRetries: z.number().int().min(0).max(10).optional(),
  tablePrefix: z.string().optional(),
  store: z.custom<MonitorStore>((v) => typeof (v as MonitorStore)?.put === 'function').optional(),
})

/**
 * Creates a monitor: RED metrics, a secured `/metrics` handler, health checks and the alert
 * engine, all on the host's registry, database, clock and logger.
 *
 * @example
 * ```ts
 * const monitor = await createMonitor({ serviceName: 'tickets' })
 * const server = http.createServer(monitor.http.wrap(app, { routes: ['/events/:id'] }))
 * ```
 */
export async function createMonitor(config: MonitorConfig): Promise<Monitor> {
  const parsed = parseInput(
    configSchema,
    config,
    (message, issues) =>
      new MonitorError('MONITOR_INVALID_OPTIONS', `invalid monitor config: ${message}`, {
        details: { issues },
      }),
  )
  const registry = config.registry ?? new Registry()
  const clock = config.clock ?? systemClock
  const logger = config.logger ?? noopLogger
  if (parsed.defaultMetrics !== false && !registry.getSingleMetric('process_cpu_user_seconds_total')) {
    collectDefaultMetrics({ register: registry })
  }
  const dropped = counterOn(
    registry,
    'opskit_monitor_cardinality_dropped_total',
    'Label sets folded into the overflow series because a metric hit its series cap.',
    ['metric'],
  )
  const guard = createCardinalityGuard(parsed.maxSeriesPerMetric ?? 1000, dropped)
  let closed = false
  const selfMetrics = createSelfMetrics(registry)
  const health = createHealth(parsed.serviceName, clock, selfMetrics)
  const db = config.db
  const store =
    config.store ??
    (db
      ? await createKyselyMonitorStore({ db, tablePrefix: parsed.tablePrefix ?? DEFAULT_TABLE_PREFIX })
      : undefined)
  const persistence = store ? createPersistence(store, logger) : undefined
  const elector: LeaderElector | undefined =
    db && dialectOf(db) === 'postgres'
      ? createAdvisoryLockElector(
          db,
          `${parsed.tablePrefix ?? DEFAULT_TABLE_PREFIX}${parsed.serviceName}`,
          logger,
        )
      : undefined
  const hooks: AlertsHooks = {}
  const alerting = createAlertsApi({
    clock,
    logger,
    source: config.sampleSource ?? registrySampleSource(registry),
    externalUrl: parsed.externalUrl ?? '',
    selfMetrics,
    hooks,
    ...(parsed.notifyRetries !== undefined ? { notifyRetries: parsed.notifyRetries } : {}),
  })
  const reload = async () => {
    if (!persistence) return
    const state = await persistence.load()
    alerting.engine.restore(state.alerts)
    alerting.silences.restore(state.silences)
    alerting.dispatcher.restore({ incidents: state.incidents, log: state.log })
  }
  if (persistence) {
    hooks.onIncident = (i) => persistence.put('incident', i.id, i)
    hooks.onSilence = (s) => persistence.put('silence', s.id, s)
    hooks.onLog = (key, entry) =>
      entry ? persistence.put('nflog', key, entry) : persistence.delete('nflog', key)
    hooks.afterEvaluate = async (instances) => {
      persistence.replaceAll(
        'alert',
        instances.map((i) => ({ id: `${i.rule}|${i.fingerprint}`, body: i })),
      )
      await persistence.flush()
    }
    await reload()
  }
  if (elector && store) {
    let wasLeader = false
    const applyCommands = async () => {
      for (const { id, body } of await store.list<IncidentCommand>('command')) {
        try {
          if (body.op === 'acknowledge')
            await alerting.dispatcher.incidents.acknowledge(body.incidentId, body.by)
          else await alerting.dispatcher.incidents.resolve(body.incidentId, body.by)
        } catch (error) {
          logger.warn({ err: error, command: body }, 'a forwarded incident action could not be applied')
        }
        await store.delete('command', id)
      }
    }
    hooks.canEvaluate = async () => {
      const leader = await elector.isLeader()
      if (leader && !wasLeader) await reload()
      else if (leader && persistence) alerting.silences.restore((await persistence.load()).silences)
      wasLeader = leader
      if (leader) await applyCommands()
      return leader
    }
    hooks.forward = async (command) => {
      const stored = (await store.list<Incident>('incident')).find((d) => d.id === command.incidentId)?.body
      if (!stored) throw new MonitorError('MONITOR_NOT_FOUND', `no incident with id ${command.incidentId}`)
      await store.put('command', uuidv7(), command)
      if (stored.status === 'resolved') return stored
      const now = clock.now()
      return command.op === 'acknowledge'
        ? {
            ...stored,
            status: 'acknowledged',
            acknowledgedAt: stored.acknowledgedAt ?? now,
            acknowledgedBy: stored.acknowledgedBy ?? command.by,
          }
        : { ...stored, status: 'resolved', resolvedAt: now, resolvedBy: command.by, resolution: 'manual' }
    }
  }
  return {
    health,
    alerts: alerting.alerts,
    incidents: alerting.incidents,
    slo: createSlos(alerting.engine),
    grafana: createGrafana({
      engine: alerting.engine,
      incidents: () => alerting.incidents.list(),
      alerts: () => alerting.engine.instances(),
    }),
    serviceName: parsed.serviceName,
    registry,
    http: createHttpInstrumentation(registry, guard),
    metrics: createBusinessMetrics(registry, guard),
    metricsHandler: (options) => createMetricsHandler(registry, options),
    async close() {
      if (closed) return
      closed = true
      health.markShuttingDown()
      health.close()
      alerting.close()
      await persistence?.flush()
      await elector?.release()
    },
  }
}
