import type { Clock, HostDatabase, Logger, RetentionPolicy, RetentionReport, TenantMode } from '@opskit/core'
import { createTenantScope, dialectOf } from '@opskit/core/internal'
import { MonitorError } from '../errors/monitor-error.js'
import { createAdvisoryLockElector } from '../store/kysely/leader-election.js'
import { createLeaseElector } from '../store/kysely/lease-elector.js'
import { createLocalRuleStore } from '../store/local-rule-store.js'
import type { MonitorStore } from '../store/monitor-store.js'
import type { AlertsApi, AlertsApiContext, AlertsHooks } from './alerts-api.js'
import type { IncidentReads } from './incidents-api.js'
import { wireLeadership } from './leadership.js'
import { createPersistence, wirePersistence } from './persistence.js'
import {
  applyMonitorRetention,
  type MonitorRetentionKind,
  type MonitorRetentionOptions,
} from './retention.js'
import { createRuntimeRules, type Rules } from './runtime-rules.js'

/** The options {@link createMonitorState} reads. */
export interface MonitorStateOptions {
  serviceName: string
  store: MonitorStore | undefined
  db: HostDatabase | undefined
  tablePrefix: string
  clock: Clock
  logger: Logger
  tenantMode?: TenantMode | undefined
  tenantLabel?: string | undefined
  incidentCacheSize?: number | undefined
}

/** What the monitor gets once the state is wired to its alerting. */
export interface WiredMonitorState {
  rules: Rules
  applyRetention(
    policy: RetentionPolicy<MonitorRetentionKind>,
    options?: MonitorRetentionOptions,
  ): Promise<RetentionReport<MonitorRetentionKind>>
  /** Flushes queued writes and gives leadership up. */
  close(): Promise<void>
}

/**
 * The monitor's shared state: tenancy of incidents, persistence, leader election (PostgreSQL
 * advisory lock, SQLite lease), rules created at run time and retention. `alerts` is what
 * `createAlertsApi` needs from it; `wire` plugs the rest in once the alerting exists.
 */
export function createMonitorState(options: MonitorStateOptions): {
  alerts: Pick<AlertsApiContext, 'hooks' | 'tenantOf' | 'incidentOptions' | 'reads'>
  wire(alerting: AlertsApi): Promise<WiredMonitorState>
} {
  const { store, db, clock, logger } = options
  const mode = options.tenantMode ?? 'off'
  const tenantOf = createTenantScope(mode, {
    required: (m) => new MonitorError('MONITOR_TENANT_REQUIRED', m),
    invalid: (m) => new MonitorError('MONITOR_INVALID_OPTIONS', m),
  })
  const persistence = store ? createPersistence(store, logger) : undefined
  const name = `${options.tablePrefix}${options.serviceName}`
  const dialect = db ? dialectOf(db) : undefined
  const elector =
    db && store && dialect === 'postgres'
      ? createAdvisoryLockElector(db, name, logger)
      : db && store && dialect === 'sqlite'
        ? createLeaseElector(db, `${options.tablePrefix}monitor_leader`, name, logger)
        : undefined
  const hooks: AlertsHooks = {}
  const flush = async () => persistence?.flush()
  const reads: IncidentReads | undefined = store
    ? {
        async get(tenantId, id) {
          await flush()
          return store.getIncident(tenantId, id)
        },
        async list(query) {
          await flush()
          return store.listIncidents(query)
        },
      }
    : undefined
  return {
    alerts: {
      hooks,
      tenantOf,
      reads,
      incidentOptions: {
        tenantLabel: mode === 'off' ? undefined : (options.tenantLabel ?? 'tenant'),
        resolvedCacheSize: options.incidentCacheSize,
        lookup: store ? (tenantId, id) => store.getIncident(tenantId, id) : undefined,
      },
    },
    async wire(alerting) {
      const reload = persistence
        ? await wirePersistence(persistence, hooks, alerting, () => clock.now())
        : undefined
      if (elector && store && reload)
        wireLeadership({ clock, logger, elector, store, persistence, alerting, reload }, hooks)
      const runtime = createRuntimeRules({
        store: store ?? createLocalRuleStore(),
        engine: alerting.engine,
        logger,
      })
      await runtime.sync()
      // a store that cannot be read must not stop evaluation: the rules applied so far keep running
      hooks.beforeEvaluate = () =>
        runtime
          .sync()
          .catch((error: unknown) =>
            logger.warn(
              { err: error },
              'rules created at run time could not be synced; retrying next evaluation',
            ),
          )
      return {
        rules: runtime.rules,
        applyRetention: (policy, retention) =>
          applyMonitorRetention({ store, clock, logger, tenantOf, flush }, policy, retention),
        async close() {
          await flush()
          await elector?.release()
        },
      }
    },
  }
}
