import { dirname, join } from 'node:path'
import { type Logger, migrate, noopLogger, uuidv7 } from '@opskit/core'
import { openSqlite } from '@opskit/core/sqlite'
import { createLoginThrottle, type LoginThrottleOptions } from './auth/login-throttle.js'
import { createPasswordHasher, type PasswordHasher, type ScryptCost } from './auth/passwords.js'
import { createSessionStore } from './auth/sessions.js'
import { ticketingMigrations } from './db/migrations.js'
import type { TicketingDb } from './db/schema.js'
import { DomainHooks } from './domain/hooks.js'
import { listenEarly } from './http/early-listen.js'
import { createRequestHandler } from './http/request-handler.js'
import { Router } from './http/router.js'
import { createLatencySampler } from './metrics/latency-sampler.js'
import { registerOpsRoutes } from './ops/ops-routes.js'
import { registerApiRoutes } from './routes/api-routes.js'
import { registerReportRoutes } from './routes/report-routes.js'
import { type AlertsWiring, wireAlerts } from './wiring/alerts.js'
import { type AuditWiring, wireAudit } from './wiring/audit.js'
import { type MlWiring, wireMl } from './wiring/ml.js'
import { type MonitorWiring, wireMonitor } from './wiring/monitor.js'
import { type NotifyWiring, wireNotify } from './wiring/notify.js'
import { type ReportsWiring, wireReports } from './wiring/reports.js'
import { FEATURES } from './wiring/status.js'

/** Options of {@link startTicketingService}. */
export interface TicketingServiceOptions {
  /** The service's SQLite file (created and migrated when missing). */
  dbPath: string
  /** Port to listen on; 0 picks a free one. @default 0 */
  port?: number
  /** Address to listen on. @default '127.0.0.1' */
  host?: string
  /** An administrator account created at start when its e-mail address is not registered yet. */
  admin?: { email: string; password: string; name?: string }
  /** Basic credentials for `/metrics`; without them `/metrics` answers 403. */
  metricsAuth?: { username: string; password: string }
  /** The SMTP server the service's e-mail goes to; without it @opskit/notify is not started. */
  smtp?: { host: string; port: number; from: string }
  /** Who receives alert notifications by e-mail (and SMS when a phone is given). */
  operators?: { email: string; phone?: string }
  /** Where report artifacts are stored. @default `reports/` next to `dbPath` */
  reportsDir?: string
  /** How often API latency is sampled for the operator page's chart and the anomaly detector. @default 1000 */
  latencySampleMs?: number
  /** How often the alert rules are evaluated, in ms. @default 1000 */
  alertEvaluationMs?: number
  /** Logger for the service and the opskit packages. @default noopLogger */
  logger?: Logger
  /** Login throttling (per account and address, per address, per account); defaults suit a login form. */
  loginThrottle?: LoginThrottleOptions
  /**
   * Trust `X-Forwarded-Proto` from the proxy in front of the service: `https` there makes the
   * operator session cookie `Secure` with the `__Host-` prefix (as a TLS socket does).
   */
  trustProxy?: boolean
  /**
   * scrypt cost of new password hashes. @default OWASP's floor, N = 2^17, r = 8, p = 1.
   * Tests and the demo pass a cheaper cost explicitly.
   */
  scryptCost?: ScryptCost
  /** How long an operator session (and its event stream) lasts. @default 8 hours */
  opsSessionTtlMs?: number
}

/** A running ticketing service. */
export interface TicketingService {
  /** Base URL, e.g. `http://127.0.0.1:43210`. */
  readonly url: string
  /** The service's database. */
  readonly db: TicketingDb
  /** Which opskit capabilities are wired. */
  readonly features: typeof FEATURES
  /** The @opskit/monitor wiring (registry, health, metrics). */
  readonly monitor: MonitorWiring
  /** Alert rules, dispatcher and incidents of @opskit/monitor. */
  readonly alerts: AlertsWiring
  /** The @opskit/notify wiring, when `smtp` was given. */
  readonly notify: NotifyWiring | undefined
  /** The @opskit/reports wiring (the daily sales report, history, download links). */
  readonly reports: ReportsWiring
  /** The @opskit/ml wiring (latency anomalies, fraud flags). */
  readonly ml: MlWiring
  /** The @opskit/audit wiring (the log, its checkpoint key and checkpoints). */
  readonly audit: AuditWiring
  /** Fault injection for demos and tests: extra latency added to every `/api` request. */
  readonly chaos: { setExtraLatencyMs(ms: number): void }
  /** Stops accepting connections, then closes the opskit packages and the database. */
  close(): Promise<void>
}

/** Starts the ticketing service: database, migrations, opskit wiring and the HTTP server. */
export async function startTicketingService(options: TicketingServiceOptions): Promise<TicketingService> {
  const logger = options.logger ?? noopLogger
  const hostDb = openSqlite(options.dbPath, { synchronous: 'normal' })
  await migrate(hostDb, { namespace: 'ticketing', migrations: ticketingMigrations, tablePrefix: 'tix_' })
  const db = hostDb as unknown as TicketingDb
  const now = () => new Date()
  const passwords = createPasswordHasher(options.scryptCost)
  if (options.admin) await seedAdmin(db, passwords, options.admin, now)

  const hooks = new DomainHooks((event, error) => logger.error({ err: error, event }, 'domain hook failed'))
  const sessions = createSessionStore(db, now)
  const loginThrottle = createLoginThrottle(options.loginThrottle)
  const router = new Router()
  registerApiRoutes(router, { db, sessions, hooks, now, loginThrottle, passwords })

  // Listen first, answering 503 until everything is wired: the address goes into alert links.
  const { server, baseUrl, serve } = await listenEarly(options.port ?? 0, options.host ?? '127.0.0.1')

  const monitor = await wireMonitor({
    externalUrl: `${baseUrl}/ops`,
    dataDir: dirname(options.dbPath),
    db: hostDb,
    hooks,
    logger,
    routeOf: (path) => router.templateOf(path),
    ...(options.metricsAuth ? { metricsAuth: options.metricsAuth } : {}),
  })

  const audit = await wireAudit({ db: hostDb, hooks, logger })
  const latency = createLatencySampler(monitor.monitor, {
    intervalMs: options.latencySampleMs ?? 1000,
    keep: 120,
  })
  const ml = await wireMl({ hooks, latency, monitor: monitor.monitor, audit, logger })
  const notify = options.smtp
    ? await wireNotify({
        db: hostDb,
        hooks,
        logger,
        smtp: options.smtp,
        ...(options.operators ? { operators: options.operators } : {}),
      })
    : undefined

  let extraLatencyMs = 0
  const handle = createRequestHandler({ router, monitor, logger, extraLatencyMs: () => extraLatencyMs })

  const alerts = wireAlerts({
    monitor: monitor.monitor,
    logger,
    intervalMs: options.alertEvaluationMs ?? 1000,
  })
  for (const channel of notify?.alertChannels ?? []) alerts.addChannel(channel)
  const reports = await wireReports({
    db: hostDb,
    directory: options.reportsDir ?? join(dirname(options.dbPath), 'reports'),
    downloadBaseUrl: `${baseUrl}/reports/download`,
    audit,
    logger,
  })
  registerReportRoutes(router, reports)
  const ops = registerOpsRoutes(router, {
    db,
    sessions,
    loginThrottle,
    passwords,
    trustProxy: options.trustProxy === true,
    ...(options.opsSessionTtlMs === undefined ? {} : { opsSessionTtlMs: options.opsSessionTtlMs }),
    monitor,
    audit,
    alerts,
    notify,
    reports,
    latency,
    logger,
  })
  serve(monitor.wrap(handle))
  let closing: Promise<void> | undefined

  return {
    url: baseUrl,
    db,
    features: FEATURES,
    monitor,
    audit,
    alerts,
    notify,
    reports,
    ml,
    chaos: {
      setExtraLatencyMs(ms) {
        extraLatencyMs = Math.max(0, Math.min(ms, 30_000))
      },
    },
    close() {
      closing ??= (async () => {
        ops.close()
        ml.close()
        latency.close()
        alerts.close()
        await monitor.close()
        await new Promise<void>((resolve) => {
          server.close(() => resolve())
          server.closeIdleConnections()
          // Requests still running after a grace period (a stuck client) are cut off.
          setTimeout(() => server.closeAllConnections(), 2_000).unref()
        })
        await reports.close()
        await notify?.close()
        await audit.close()
        await hostDb.destroy()
      })()
      return closing
    },
  }
}

async function seedAdmin(
  db: TicketingDb,
  passwords: PasswordHasher,
  admin: { email: string; password: string; name?: string },
  now: () => Date,
): Promise<void> {
  const email = admin.email.toLowerCase()
  const existing = await db.selectFrom('tix_users').select('id').where('email', '=', email).executeTakeFirst()
  if (existing) return
  await db
    .insertInto('tix_users')
    .values({
      id: uuidv7(),
      email,
      name: admin.name ?? 'Administrator',
      password_hash: await passwords.hash(admin.password),
      phone: null,
      role: 'admin',
      created_at: now().toISOString(),
    })
    .execute()
}
