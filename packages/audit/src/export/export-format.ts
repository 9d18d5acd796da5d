import { encodeCsvText, quoteCsvField } from '@opskit/core/internal'
import type { AuditEvent } from '../event/event-schema.js'
import type { ExportFormat } from '../log/audit-log.js'

const CSV_COLUMNS: Array<[string, (event: AuditEvent) => unknown]> = [
  ['id', (e) => e.id],
  ['chainId', (e) => e.chainId],
  ['seq', (e) => e.seq],
  ['occurredAt', (e) => e.occurredAt],
  ['recordedAt', (e) => e.recordedAt],
  ['tenantId', (e) => e.tenantId],
  ['action', (e) => e.action],
  ['category', (e) => e.category],
  ['severity', (e) => e.severity],
  ['outcome', (e) => e.outcome],
  ['reason', (e) => e.reason],
  ['actorId', (e) => e.actor.id],
  ['actorType', (e) => e.actor.type],
  ['actorName', (e) => e.actor.name],
  ['actorEmail', (e) => e.actor.email],
  ['actorRole', (e) => e.actor.role],
  ['actorIp', (e) => e.actor.ip],
  ['targetType', (e) => e.target?.type],
  ['targetId', (e) => e.target?.id],
  ['targetName', (e) => e.target?.name],
  ['requestId', (e) => e.requestId],
  ['sessionId', (e) => e.sessionId],
  ['correlationId', (e) => e.correlationId],
  ['metadata', (e) => (e.metadata ? JSON.stringify(e.metadata) : undefined)],
  ['hash', (e) => e.hash],
]

/**
 * One CSV cell (RFC 4180), safe against formula injection whatever list separator the
 * spreadsheet splits on: text is always quoted and every piece of it that would start a formula
 * (at its start or after a `,`, `;`, tab, `|` or line break) gets a leading `'`, through
 * `encodeCsvText` of `@opskit/core`. Numbers stay plain; `undefined` and `null` are empty.
 */
export function csvCell(value: unknown): string {
  if (value === undefined || value === null) return ''
  return typeof value === 'string' ? encodeCsvText(value) : quoteCsvField(String(value))
}

const SEVERITY_IDS = { info: 1, warning: 3, error: 4, critical: 5 } as const

function ocsfClass(event: AuditEvent): {
  classUid: number
  className: string
  activityId: number
  activityName: string
} {
  const api = (activityId: number, activityName: string) => ({
    classUid: 6003,
    className: 'API Activity',
    activityId,
    activityName,
  })
  switch (event.action) {
    case 'user.login':
      return { classUid: 3002, className: 'Authentication', activityId: 1, activityName: 'Logon' }
    case 'user.logout':
      return { classUid: 3002, className: 'Authentication', activityId: 2, activityName: 'Logoff' }
    case 'user.register':
      return { classUid: 3001, className: 'Account Change', activityId: 1, activityName: 'Create' }
    case 'user.password_change':
      return { classUid: 3001, className: 'Account Change', activityId: 3, activityName: 'Password Change' }
  }
  switch (event.category) {
    case 'permission_change':
      return {
        classUid: 3005,
        className: 'User Access Management',
        activityId: 1,
        activityName: 'Assign Privileges',
      }
    case 'security':
      return { classUid: 2004, className: 'Detection Finding', activityId: 1, activityName: 'Create' }
    case 'data_access':
    case 'export':
    case 'pii_access':
      return api(2, 'Read')
    case 'data_modification':
    case 'config_change':
      return api(3, 'Update')
    case 'data_deletion':
      return api(4, 'Delete')
    default:
      return api(99, 'Other')
  }
}

/** Maps an event to an OCSF 1.x event object (class/activity/type ids, actor, endpoints, metadata). */
export function toOcsf(event: AuditEvent): Record<string, unknown> {
  const cls = ocsfClass(event)
  const out: Record<string, unknown> = {
    class_uid: cls.classUid,
    class_name: cls.className,
    category_uid: Math.floor(cls.classUid / 1000),
    activity_id: cls.activityId,
    activity_name: cls.activityName,
    type_uid: cls.classUid * 100 + cls.activityId,
    time: Date.parse(event.occurredAt),
    severity_id: SEVERITY_IDS[event.severity],
    severity: event.severity,
    status_id: event.outcome === 'success' ? 1 : 2,
    status: event.outcome === 'success' ? 'Success' : 'Failure',
    message: event.action,
    actor: {
      user: {
        uid: event.actor.id,
        type: event.actor.type,
        ...(event.actor.name !== undefined ? { name: event.actor.name } : {}),
        ...(event.actor.email !== undefined ? { email_addr: event.actor.email } : {}),
      },
      ...(event.sessionId !== undefined ? { session: { uid: event.sessionId } } : {}),
    },
    metadata: {
      uid: event.id,
      version: '1.3.0',
      product: { name: 'opskit-audit', vendor_name: 'opskit' },
      log_name: event.chainId || 'default',
      sequence: event.seq,
      logged_time: Date.parse(event.recordedAt),
      ...(event.correlationId !== undefined ? { correlation_uid: event.correlationId } : {}),
      ...(event.tenantId !== undefined ? { tenant_uid: event.tenantId } : {}),
    },
    unmapped: {
      category: event.category,
      hash: event.hash,
      ...(event.target !== undefined ? { target: event.target } : {}),
      ...(event.before !== undefined ? { before: event.before } : {}),
      ...(event.after !== undefined ? { after: event.after } : {}),
      ...(event.metadata !== undefined ? { metadata: event.metadata } : {}),
    },
  }
  if (event.reason !== undefined) out.status_detail = event.reason
  if (event.actor.ip !== undefined) out.src_endpoint = { ip: event.actor.ip }
  if (event.actor.userAgent !== undefined) out.http_request = { user_agent: event.actor.userAgent }
  if (event.requestId !== undefined) out.api = { request: { uid: event.requestId }, operation: event.action }
  return out
}

/** Text chunks of an export: `header`, one chunk per event, `footer`. */
export function exportChunks(format: ExportFormat): {
  header: string
  event: (event: AuditEvent, index: number) => string
  footer: string
} {
  switch (format) {
    case 'csv':
      return {
        header: `${CSV_COLUMNS.map(([name]) => name).join(',')}\r\n`,
        event: (event) => `${CSV_COLUMNS.map(([, get]) => csvCell(get(event))).join(',')}\r\n`,
        footer: '',
      }
    case 'ndjson':
      return { header: '', event: (event) => `${JSON.stringify(event)}\n`, footer: '' }
    case 'json':
      return {
        header: '[',
        event: (event, index) => `${index === 0 ? '\n' : ',\n'}${JSON.stringify(event)}`,
        footer: '\n]\n',
      }
    case 'ocsf':
      return {
        header: '[',
        event: (event, index) => `${index === 0 ? '\n' : ',\n'}${JSON.stringify(toOcsf(event))}`,
        footer: '\n]\n',
      }
  }
}
