import { parseInput } from '@opskit/core'
import { checkTenantId, type TenantScopeErrors } from '@opskit/core/internal'
import { AuditError } from '../errors/audit-error.js'
import { type AuditEventInput, auditEventSchema, type ParsedAuditEvent } from '../event/event-schema.js'
import { parseEventFast } from '../event/fast-parse.js'
import { takeEvent } from '../event/intake.js'
import type { AuditLog, HelperEventInput, LoggedEvent } from './audit-log.js'
import type { ResolvedAuditLogOptions } from './resolve-options.js'
import type { PendingEvent } from './seal-batch.js'
import type { ActiveTraceId } from './trace-context.js'

function invalidEvent(message: string, issues: unknown): AuditError {
  return new AuditError('AUDIT_INVALID_EVENT', `invalid audit event: ${message}`, { details: { issues } })
}

/** An event's tenant under the log's `tenantMode` (core's one rule; the shape is the schema's). */
const eventTenantErrors: TenantScopeErrors = {
  required: (message) =>
    new AuditError('AUDIT_TENANT_REQUIRED', `invalid audit event: ${message}`, {
      details: { issues: [{ path: 'tenantId', message }] },
    }),
  invalid: (message) => invalidEvent(message, [{ path: 'tenantId', message }]),
}

/**
 * Takes a private copy of `input` (what is validated is what gets hashed, whatever the caller
 * does with its objects afterwards; free text from requests is escaped, never refused), redacts
 * and validates it, and fills `correlationId` (the active span's trace id) and `occurredAt`.
 * Throws `AUDIT_INVALID_EVENT` or `AUDIT_TENANT_REQUIRED`.
 */
export function prepareEvent(
  input: AuditEventInput,
  options: Pick<ResolvedAuditLogOptions, 'redact' | 'tenantMode' | 'clock'>,
  activeTraceId: ActiveTraceId,
): PendingEvent['event'] {
  const taken = takeEvent(input)
  const redacted = options.redact(taken.event)
  const event: ParsedAuditEvent & { sanitized?: string[] } =
    parseEventFast(redacted) ?? parseInput(auditEventSchema, redacted, invalidEvent)
  if (taken.sanitized.length > 0) event.sanitized = taken.sanitized
  checkTenantId(options.tenantMode, event.tenantId, eventTenantErrors)
  if (event.correlationId === undefined) {
    const traceId = activeTraceId()
    if (traceId !== undefined) event.correlationId = traceId
  }
  if (event.occurredAt === undefined) event.occurredAt = options.clock.now()
  return event as PendingEvent['event']
}

type Log = (input: AuditEventInput) => Promise<LoggedEvent>

/** The typed helpers of {@link AuditLog}: `logLogin`, `logExport`, … */
type AuditEventHelpers = Pick<AuditLog, Exclude<Extract<keyof AuditLog, `log${string}`>, 'log'>>

/** One typed helper: `action` (overridable) and `category` set; a failure defaults to `warning`. */
function helper(
  log: Log,
  action: string,
  category: AuditEventInput['category'],
  severity?: AuditEventInput['severity'],
): (input: HelperEventInput) => Promise<LoggedEvent> {
  return (input) => {
    const event = { ...(input as Record<string, unknown>) }
    const failed = event.outcome === 'failure'
    return log({
      ...(severity || failed ? { severity: severity ?? 'warning' } : {}),
      ...(event as Omit<AuditEventInput, 'action' | 'category'>),
      action: (input.action as string | undefined) ?? action,
      category,
    })
  }
}

/** The typed `log*` helpers of {@link AuditLog}, on top of `log`. */
export function eventHelpers(log: Log): AuditEventHelpers {
  return {
    logLogin: helper(log, 'user.login', 'authentication'),
    logLogout: helper(log, 'user.logout', 'session'),
    logRegistration: helper(log, 'user.register', 'authentication'),
    logTokenRefresh: helper(log, 'token.refresh', 'session'),
    logPasswordChange: helper(log, 'user.password_change', 'authentication', 'warning'),
    logPermissionChange: helper(log, 'permission.change', 'permission_change', 'warning'),
    logDataAccess: helper(log, 'data.read', 'data_access'),
    logDataModification: helper(log, 'data.update', 'data_modification'),
    logDataDeletion: helper(log, 'data.delete', 'data_deletion', 'warning'),
    logExport: (input) => {
      const { personalData, ...rest } = input
      const event: HelperEventInput = personalData
        ? { ...rest, metadata: { ...(rest.metadata ?? {}), personalData: true } }
        : rest
      return helper(log, 'data.export', 'export')(event)
    },
    logConfigChange: helper(log, 'config.change', 'config_change', 'warning'),
    logSecurityEvent: helper(log, 'security.alert', 'security', 'warning'),
    logAdminAction: helper(log, 'admin.action', 'admin', 'warning'),
  }
}
