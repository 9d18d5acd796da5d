import type { IncomingMessage, ServerResponse } from 'node:http'
import type { HostDatabase, Logger } from '@opskit/core'
import {
  checks,
  createKyselyMonitorStore,
  createMonitor,
  installDefaultRulePack,
  type Monitor,
  type RequestListener,
} from '@opskit/monitor'
import type { DomainHooks } from '../domain/hooks.js'

/** Options of {@link wireMonitor}. */
export interface MonitorWiringOptions {
  db: HostDatabase
  hooks: DomainHooks
  logger: Logger
  /** The route template of a path, for the RED metrics' `route` label. */
  routeOf: (path: string) => string | undefined
  /** Basic credentials for `/metrics`; without them the endpoint stays closed (403). */
  metricsAuth?: { username: string; password: string }
  /** Where alert notifications link to (the operator page). */
  externalUrl: string
  /** The folder of the service's database, watched by the default rule pack's DiskSpaceLow. */
  dataDir: string
}

/** @opskit/monitor in the ticketing service: RED metrics, business counters, health, `/metrics`. */
export interface MonitorWiring {
  monitor: Monitor
  /** Wraps the service's request listener with RED metrics. */
  wrap(listener: RequestListener): RequestListener
  /** Serves `/metrics`. */
  metrics(req: IncomingMessage, res: ServerResponse): Promise<void>
  /** Serves `/healthz`, `/readyz`, `/startupz`. */
  health(req: IncomingMessage, res: ServerResponse): Promise<void>
  close(): Promise<void>
}

/** Wires @opskit/monitor: one module so that the rest of the service does not import it. */
export async function wireMonitor(options: MonitorWiringOptions): Promise<MonitorWiring> {
  // The monitor keeps alert, incident and silence state in the service's database (the store
  // migrates its table; closing it leaves the database to the service).
  const store = await createKyselyMonitorStore({ db: options.db, logger: options.logger })
  const monitor = await createMonitor({
    serviceName: 'ticketing',
    store,
    logger: options.logger,
    externalUrl: options.externalUrl,
  })
  // The default rule pack: restarts, event-loop lag, heap, HTTP errors and latency burn, the
  // SQLite handle's contention and the data folder's free space, with the collectors they read.
  const rulePack = await installDefaultRulePack(monitor, {
    sqlite: { tickets: options.db },
    diskPaths: [options.dataDir],
    labels: { team: 'tickets' },
  })
  monitor.health.register('event-loop', async () => ({ status: 'pass' }), { kind: 'liveness' })
  // Probes from the orchestrator and the load balancer within two seconds share one query.
  monitor.health.register('sqlite', checks.sqlite(options.db), {
    kind: 'readiness',
    critical: true,
    cacheMs: 2_000,
  })

  const ticketsSold = monitor.metrics.counter({
    name: 'ticketing_tickets_sold_total',
    help: 'Tickets sold.',
  })
  const revenue = monitor.metrics.counter({
    name: 'ticketing_revenue_cents_total',
    help: 'Revenue of paid orders, in cents.',
  })
  const refunds = monitor.metrics.counter({ name: 'ticketing_refunds_total', help: 'Refunded orders.' })
  const logins = monitor.metrics.counter<'outcome'>({
    name: 'ticketing_logins_total',
    help: 'Login attempts by outcome.',
    labelNames: ['outcome'],
  })
  const registrations = monitor.metrics.counter({
    name: 'ticketing_registrations_total',
    help: 'New accounts.',
  })
  // Series exist from the start (at 0), so that rate() and increase() see the first failures.
  logins.inc({ outcome: 'success' }, 0)
  logins.inc({ outcome: 'failure' }, 0)
  options.hooks.on('order.created', (e) => {
    ticketsSold.inc({}, e.quantity)
    revenue.inc({}, e.totalCents)
  })
  options.hooks.on('order.refunded', () => refunds.inc())
  options.hooks.on('user.login', (e) => logins.inc({ outcome: e.success ? 'success' : 'failure' }))
  options.hooks.on('user.registered', () => registrations.inc())

  const metricsHandler = monitor.metricsHandler(
    options.metricsAuth
      ? { basicAuth: { username: options.metricsAuth.username, password: options.metricsAuth.password } }
      : {},
  )
  const healthHandler = monitor.health.handler()
  return {
    monitor,
    wrap: (listener) =>
      monitor.http.wrap(listener, { route: (req) => options.routeOf((req.url ?? '/').split('?')[0] ?? '/') }),
    metrics: metricsHandler,
    health: healthHandler,
    close: async () => {
      rulePack.close()
      await monitor.close()
      await store.close()
    },
  }
}
