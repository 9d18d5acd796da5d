import type { Logger } from '@opskit/core'
import type { LoginThrottle } from '../auth/login-throttle.js'
import type { PasswordHasher } from '../auth/passwords.js'
import type { SessionStore } from '../auth/sessions.js'
import type { TicketingDb } from '../db/schema.js'
import type { LatencySampler } from '../metrics/latency-sampler.js'
import type { AlertsWiring } from '../wiring/alerts.js'
import type { AuditWiring } from '../wiring/audit.js'
import type { MonitorWiring } from '../wiring/monitor.js'
import type { NotifyWiring } from '../wiring/notify.js'
import type { ReportsWiring } from '../wiring/reports.js'

/** What the operator page needs from the service. */
export interface OpsDeps {
  db: TicketingDb
  sessions: SessionStore
  loginThrottle: LoginThrottle
  passwords: PasswordHasher
  /** How long an operator session lasts. @default 8 hours */
  opsSessionTtlMs?: number
  /** Trust `X-Forwarded-Proto` (the service runs behind a TLS-terminating proxy). */
  trustProxy: boolean
  monitor: MonitorWiring
  audit: AuditWiring
  alerts: AlertsWiring
  notify: NotifyWiring | undefined
  reports: ReportsWiring
  latency: LatencySampler
  logger: Logger
}
