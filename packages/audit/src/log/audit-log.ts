import type { Readable } from 'node:stream'
import type { RetentionPolicy, RetentionReport } from '@opskit/core'
import type { Checkpoint, KeyInput } from '../checkpoint/checkpoint.js'
import type { RetentionStatement } from '../checkpoint/retention-statement.js'
import type {
  AuditActor,
  AuditCategory,
  AuditEvent,
  AuditEventInput,
  AuditOutcome,
  AuditSeverity,
} from '../event/event-schema.js'
import type { OutsideRecordInput } from '../verify/outside-records.js'
import type { VerifyCaveat, VerifyFailure } from '../verify/verify-types.js'

/** What `log()` resolves to once the event is committed. */
export interface LoggedEvent {
  /** The event's UUIDv7. */
  id: string
  /** Its chain: the tenant id, or `''` without tenants. */
  chainId: string
  /** Its gap-free position in the chain. */
  seq: number
  /** The event's chain hash, hex. */
  hash: string
}

/** Input of the typed helpers: an event without `action`/`category` (each helper sets its own; `action` may be overridden). */
export type HelperEventInput = Omit<AuditEventInput, 'action' | 'category'> & { action?: string }

/** Input of `logExport`: marks exports of personal data for the compliance summary. */
export type ExportEventInput = HelperEventInput & { personalData?: boolean }

/** Who reads the log: recorded in the audit event that every read and export writes. */
export type AuditViewer = Pick<AuditActor, 'id'> & Partial<AuditActor>

/** Filter of `query`, `export`, `complianceSummary`. Times: Date, ISO string or epoch ms. */
export interface AuditQuery {
  tenantId?: string | undefined
  actorId?: string | undefined
  action?: string | undefined
  /** Actions starting with this, e.g. `user.`. */
  actionPrefix?: string | undefined
  category?: AuditCategory | undefined
  targetType?: string | undefined
  targetId?: string | undefined
  outcome?: AuditOutcome | undefined
  severity?: AuditSeverity | undefined
  /** Inclusive lower bound on `occurredAt`. */
  from?: Date | string | number | undefined
  /** Exclusive upper bound on `occurredAt`. */
  to?: Date | string | number | undefined
  /** Page size, 1..1000. @default 100 */
  limit?: number | undefined
  /** `nextCursor` of the previous page. */
  cursor?: string | undefined
  /** Who is reading (recorded in the `audit.query` event). @default the system actor */
  viewer?: AuditViewer | undefined
}

/** A page of events, newest first. */
export interface AuditPage {
  events: AuditEvent[]
  /** Pass as `cursor` for the next page; absent on the last page. */
  nextCursor?: string
}

/** What `activitySummary` returns. */
export interface ActivitySummary {
  total: number
  /** ISO time of the newest event, if any. */
  lastActivity?: string
  byAction: Record<string, number>
  byOutcome: Record<string, number>
}

/** A compliance summary for a period (rendered by `@opskit/reports`). */
export interface ComplianceSummary {
  from?: string
  to?: string
  tenantId?: string
  total: number
  byCategory: Record<string, number>
  byOutcome: Record<string, number>
  /** `user.login` events that failed. */
  failedLogins: number
  /** Events of categories `admin` and `permission_change`. */
  privilegedActions: number
  /** `export` events flagged `metadata.personalData` (see `logExport({ personalData })`), plus `pii_access` events. */
  personalDataExports: number
  /** Security events of severity error or critical. */
  securityIncidents: number
}

/** Export formats: CSV (formula-injection safe), NDJSON, a JSON array, or a JSON array of OCSF events. */
export type ExportFormat = 'csv' | 'ndjson' | 'json' | 'ocsf'

/** Options of `verify`. */
export interface VerifyOptions {
  /** Ed25519 public key (KeyObject or PEM) that must have signed every checkpoint. @default the signing key's */
  publicKey?: KeyInput | undefined
  /** First seq to check (the event before it is trusted). */
  from?: number | undefined
  /** Last seq to check. */
  to?: number | undefined
  /** Only this tenant's chain. */
  tenantId?: string | undefined
  /**
   * The records kept outside the database, as `onCheckpoint` received them (text or parsed):
   * checkpoints and retention statements. The only defence against deletion of the newest events
   * and against forged retention anchors. The trail must reach each checkpoint's size with the
   * same root hash; when any records are given, every chain's retention anchor must be one of the
   * retention statements, and a checkpoint before the anchor must be covered by one.
   */
  checkpoint?: OutsideRecordInput | undefined
}

/** What `verify` found. */
export interface VerifyResult {
  /** No failures. */
  ok: boolean
  /** Events whose hashes were recomputed. */
  checked: number
  /** Highest seq present (of the one chain, or the largest over all chains). */
  headSeq: number
  /** Problems, ordered by chain then seq. */
  failures: VerifyFailure[]
  /**
   * What could not be ruled out with what `verify` was given, even when `ok`: a retention anchor
   * not confirmed by outside records (a forged one would look the same) or whose signature was not
   * checked for want of a key. Empty when nothing was left unchecked.
   */
  caveats: VerifyCaveat[]
  /** Per chain: its head seq and how many events were checked. */
  chains: Array<{ chainId: string; headSeq: number; checked: number }>
}

/**
 * What `onCheckpoint` receives: a checkpoint (`kind: 'checkpoint'`, reason `interval` or `close`)
 * or a retention statement (`kind: 'retention'`, reason `retention`, made by `applyRetention`).
 * Keep each outside the database and pass them all to `verify({ checkpoint })`.
 */
export type AuditCheckpoint = (
  | (Checkpoint & { reason: 'interval' | 'close' })
  | (RetentionStatement & { reason: 'retention' })
) & {
  /** The chain (tenant id, or `''`). */
  chainId: string
}

/** The kinds of record audit retention removes: events (below a signed retention anchor). */
export type AuditRetentionKind = 'events'

/** What `applyRetention` did: events removed, and the anchor written per chain. */
export interface AuditRetentionReport extends RetentionReport<AuditRetentionKind> {
  /** The highest anchor seq written (0 when nothing was old enough). */
  anchorSeq: number
  /** Per chain (tenant id, or `''`): events deleted and the seq of its new anchor. */
  chains: Array<{ chainId: string; deleted: number; anchorSeq: number }>
}

/** Filter of `onEvent` hooks, with an optional threshold window. */
export interface EventFilter {
  tenantId?: string
  actorId?: string
  action?: string
  actionPrefix?: string
  category?: AuditCategory
  outcome?: AuditOutcome
  severity?: AuditSeverity
  /**
   * Fire once `count` matching events happen within `windowMs` per key (then start counting again).
   * At most `maxKeys` windows are kept (default 10,000): expired ones are swept, then the least
   * recently updated are dropped, so attacker-chosen actor ids or IPs cannot grow memory without bound.
   */
  threshold?: { count: number; windowMs: number; by?: 'actor' | 'tenant' | 'ip' | 'global'; maxKeys?: number }
}

/** What an `onEvent` handler receives besides the event. */
export interface EventHookContext {
  /** Matching events in the window (1 without a threshold). */
  count: number
  /** The matching events in the window, oldest first (just the event without a threshold). */
  events: AuditEvent[]
}

/** The audit trail `createAuditLog` returns. */
export interface AuditLog {
  /** Validates, redacts, chains and commits one event; resolves after its group commit. */
  log(event: AuditEventInput): Promise<LoggedEvent>
  /** `user.login` (authentication). A failure defaults to severity `warning`. */
  logLogin(event: HelperEventInput): Promise<LoggedEvent>
  /** `user.logout` (session). */
  logLogout(event: HelperEventInput): Promise<LoggedEvent>
  /** `user.register` (authentication). */
  logRegistration(event: HelperEventInput): Promise<LoggedEvent>
  /** `token.refresh` (session). */
  logTokenRefresh(event: HelperEventInput): Promise<LoggedEvent>
  /** `user.password_change` (authentication, warning). */
  logPasswordChange(event: HelperEventInput): Promise<LoggedEvent>
  /** `permission.change` (permission_change, warning). */
  logPermissionChange(event: HelperEventInput): Promise<LoggedEvent>
  /** `data.read` (data_access). */
  logDataAccess(event: HelperEventInput): Promise<LoggedEvent>
  /** `data.update` (data_modification). */
  logDataModification(event: HelperEventInput): Promise<LoggedEvent>
  /** `data.delete` (data_deletion, warning). */
  logDataDeletion(event: HelperEventInput): Promise<LoggedEvent>
  /** `data.export` (export); `personalData: true` counts it in the compliance summary. */
  logExport(event: ExportEventInput): Promise<LoggedEvent>
  /** `config.change` (config_change, warning). */
  logConfigChange(event: HelperEventInput): Promise<LoggedEvent>
  /** `security.alert` (security, warning). */
  logSecurityEvent(event: HelperEventInput): Promise<LoggedEvent>
  /** `admin.action` (admin, warning). */
  logAdminAction(event: HelperEventInput): Promise<LoggedEvent>
  /** Events matching `filter`, newest first, a page at a time; the read itself is audited. */
  query(filter?: AuditQuery): Promise<AuditPage>
  /** Counts of an actor's events in a period; audited like a query. */
  activitySummary(
    actorId: string,
    options?: {
      from?: Date | string | number
      to?: Date | string | number
      tenantId?: string
      viewer?: AuditViewer
    },
  ): Promise<ActivitySummary>
  /** Counts for a compliance report over a period; audited like a query. */
  complianceSummary(
    filter?: Pick<AuditQuery, 'tenantId' | 'from' | 'to' | 'viewer'>,
  ): Promise<ComplianceSummary>
  /** Recomputes every hash and link; see {@link VerifyOptions}. */
  verify(options?: VerifyOptions): Promise<VerifyResult>
  /** Streams matching events (newest first) in `format`; the export is audited when it ends. */
  export(filter: Omit<AuditQuery, 'limit' | 'cursor'>, options: { format: ExportFormat }): Readable
  /**
   * Deletes events recorded before `policy.events.olderThan` (a duration such as `'400d'`, or a
   * date) through a signed anchor per chain, then logs `audit.retention`. Without `tenantId` it
   * applies to every chain. `keepLast` does not apply: a chain is only ever cut below an anchor.
   */
  applyRetention(
    policy: RetentionPolicy<AuditRetentionKind>,
    options?: { tenantId?: string },
  ): Promise<AuditRetentionReport>
  /** Destroys a subject's data key: their personal fields read as erased; events still verify. Logs `gdpr.erasure`. */
  forgetSubject(
    subjectId: string,
    options?: { tenantId?: string; viewer?: AuditViewer },
  ): Promise<{ erased: boolean }>
  /** Calls `handler` after commit for events matching `filter` (or each threshold crossing). Returns an unsubscribe function. */
  onEvent(
    filter: EventFilter,
    handler: (event: AuditEvent, context: EventHookContext) => void | Promise<void>,
  ): () => void
  /** Signs and emits a checkpoint of each chain written since the last one; resolves to them. */
  checkpoint(): Promise<AuditCheckpoint[]>
  /** Resolves once every event logged so far is committed. */
  flush(): Promise<void>
  /** Flushes, checkpoints and stops accepting events; never closes the host's database. */
  close(): Promise<void>
}
