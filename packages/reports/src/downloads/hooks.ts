/**
 * An audit event about a report download or a retention run, shaped like an `@opskit/audit`
 * event: links and redeems (`category: 'export'`), and one `reports.retention` event per
 * `applyRetention` with the counts removed (`category: 'compliance'`).
 */
export interface ReportAuditEvent {
  action: 'report.download' | 'report.download.refused' | 'report.link.created' | 'reports.retention'
  category: 'export' | 'compliance'
  severity: 'info' | 'warning'
  outcome: 'success' | 'failure'
  actor: { id: string; type: 'user' | 'service'; ip?: string; userAgent?: string }
  /**
   * A report run (`report_artifact`), any stored object a link pointed at (`stored_object`, id =
   * its key), or the reports store (`reports_store`) for retention.
   */
  target: { type: 'report_artifact' | 'stored_object' | 'reports_store'; id: string; name?: string }
  /** The tenant of the call; absent without one. */
  tenantId?: string
  metadata: Record<string, unknown>
}

/**
 * Anything with `log(event)`: pass an `@opskit/audit` log (or a wrapper) to audit downloads.
 * Structural on purpose, so `@opskit/reports` does not depend on `@opskit/audit`.
 */
export interface ReportAuditHook {
  log(event: ReportAuditEvent): unknown
}

/** What a scheduled report hands to its notifier. */
export interface ReportDelivery {
  /** Recipients as given to `schedule({ deliver: { to } })`. */
  to: unknown
  report: string
  title: string
  artifactId: string
  filename: string
  format: string
  rows: number
  bytes: number
  /** A download link for the artifact. */
  url: string
  expiresAt: Date
  scheduleId: string
}

/** Anything with `send(delivery)`, e.g. a thin wrapper around an `@opskit/notify` notifier. */
export interface ReportNotifier {
  send(delivery: ReportDelivery): unknown
}
