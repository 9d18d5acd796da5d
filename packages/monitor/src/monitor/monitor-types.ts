import type { Clock, HostDatabase, Logger, RetentionPolicy, RetentionReport, TenantMode } from '@opskit/core'
import type { Grafana } from '../grafana/grafana-handler.js'
import type { Health } from '../health/health-registry.js'
import type { MonitorHistoryOptions } from '../history/history-options.js'
import type { BusinessMetrics } from '../metrics/business-metrics.js'
import type { HttpInstrumentation } from '../metrics/http-metrics.js'
import type { MetricsHandler, MetricsHandlerOptions } from '../metrics/metrics-handler.js'
import type { MetricsRegistry } from '../metrics/register.js'
import type { Value as QueryValue } from '../rules/promql/evaluate.js'
import type { SampleSource } from '../rules/sample-source.js'
import type { Slos } from '../slo/slo.js'
import type { MonitorStore } from '../store/monitor-store.js'
import type { Alerts, Incidents } from './alerts-api.js'
import type { MonitorRetentionKind, MonitorRetentionOptions } from './retention.js'
import type { Rules } from './runtime-rules.js'

/** Options of {@link createMonitor}. */
export interface MonitorOptions {
  /** The service's name, used in health output and as the `service` of notifications. */
  serviceName: string
  /** The host's prom-client registry; a new one is created when omitted. */
  registry?: MetricsRegistry
  /**
   * The host's Kysely database: a shortcut for `store: await createKyselyMonitorStore({ db,
   * tablePrefix, logger })` (created and closed by the monitor, never the database itself), and
   * the leader election of the evaluating instance (PostgreSQL advisory lock, SQLite lease row).
   */
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
  /** Prefix of the monitor's table when `db` is given, and of its leader lock's name. @default 'opskit_' */
  tablePrefix?: string
  /**
   * Where alert state survives restarts: `await createKyselyMonitorStore({ db })` or the host's own
   * {@link MonitorStore}; the host closes it. Wins over `db` for state (`db` still elects the
   * leader; give the `db` the store is on). Without `store` or `db`, state lives in the process only.
   */
  store?: MonitorStore
  /**
   * Incidents per tenant (issue 21): `'off'` (no tenants; a `tenantId` is refused), `'optional'`
   * (calls without a tenant see the incidents without one) or `'required'` (every incident call
   * names its tenant, else `MONITOR_TENANT_REQUIRED`). @default 'off'
   */
  tenantMode?: TenantMode
  /** The alert label whose value is an incident's tenant (every route also groups by it). @default 'tenant' */
  tenantLabel?: string
  /** Resolved incidents kept in memory besides the open ones (older ones are read from the store). @default 1000 */
  incidentCacheSize?: number
  /** SLO counters' and recording rules' history: flush interval and retention per resolution. */
  history?: MonitorHistoryOptions
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
  /** Rules created, changed and deleted at run time, stored and shared by every instance. */
  readonly rules: Rules
  /**
   * Removes resolved incidents and stale notification-log entries per the policy, in short
   * batches; without `tenantId`, across every tenant (an operator's action, also under
   * `tenantMode: 'required'`). Nothing is removed for kinds the policy leaves out.
   */
  applyRetention(
    policy: RetentionPolicy<MonitorRetentionKind>,
    options?: MonitorRetentionOptions,
  ): Promise<RetentionReport<MonitorRetentionKind>>
  /** SLOs with multi-window burn-rate alerts and SLA reports on persisted per-minute counters. */
  readonly slo: Slos
  /** `engine.queryHistory`: an instant query at `at`, from memory or the persisted recording-rule history. */
  query(expr: string, options?: { at?: number }): Promise<QueryValue>
  /** A Grafana JSON datasource over the rule engine's samples, alerts and incidents. */
  readonly grafana: Grafana
  /** The `/metrics` handler; closed unless `allow` or `basicAuth` is given. */
  metricsHandler(options?: MetricsHandlerOptions): MetricsHandler
  /** Stops timers and releases resources. Safe to call twice. */
  close(): Promise<void>
}
