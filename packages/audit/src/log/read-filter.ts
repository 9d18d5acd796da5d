import { parseInput, type TenantMode } from '@opskit/core'
import { checkTenantId, type TenantScopeErrors } from '@opskit/core/internal'
import { AuditError } from '../errors/audit-error.js'
import { auditInstantSchema } from '../event/event-schema.js'
import type { StoreFilter } from '../store/audit-store.js'
import type { AuditQuery } from './audit-log.js'

/** A query bound (Date, ISO string or epoch ms) in epoch ms; `AUDIT_INVALID_QUERY` when malformed. */
export function instant(value: Date | string | number | undefined, field: string): number | undefined {
  if (value === undefined) return undefined
  return parseInput(
    auditInstantSchema,
    value,
    (message) => new AuditError('AUDIT_INVALID_QUERY', `invalid query: ${field}: ${message}`),
  )
}

/** The opaque cursor of the page that ends at event `id`. */
export function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url')
}

/** The event id a cursor points after; `AUDIT_INVALID_QUERY` for a cursor this log did not issue. */
export function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8')
  if (!/^[0-9a-f-]{36}$/.test(id))
    throw new AuditError('AUDIT_INVALID_QUERY', 'invalid query: cursor is not one this log issued')
  return id
}

/** Audit's errors for core's tenant-id rule on reads, retention and erasure. */
const readTenantErrors: TenantScopeErrors = {
  required: (message) => new AuditError('AUDIT_TENANT_REQUIRED', message),
  invalid: (message) => new AuditError('AUDIT_INVALID_QUERY', `invalid query: ${message}`),
}

/**
 * A read's tenant id, checked by core's {@link checkTenantId}: `AUDIT_TENANT_REQUIRED` when the
 * mode is `required` and there is none, `AUDIT_INVALID_QUERY` for a malformed id or any tenant
 * when the mode is `off`. Unlike a package's `TenantScope`, no tenant stays `undefined`: under
 * `'off'` and `'optional'` such a read spans the whole log (every tenant's chain).
 */
export function requireTenant(tenantId: string | undefined, tenantMode: TenantMode): string | undefined {
  return checkTenantId(tenantMode, tenantId, readTenantErrors)
}

const STRING_FILTERS = [
  'actorId',
  'action',
  'actionPrefix',
  'category',
  'targetType',
  'targetId',
  'outcome',
  'severity',
] as const

/** Checks a query's filter and turns it into the store's (times in epoch ms). */
export function toStoreFilter(filter: AuditQuery, tenantMode: TenantMode): StoreFilter {
  const tenantId = requireTenant(filter.tenantId, tenantMode)
  const out: StoreFilter = {}
  if (tenantId !== undefined) out.tenantId = tenantId
  for (const key of STRING_FILTERS) {
    const value = filter[key]
    if (value === undefined) continue
    if (typeof value !== 'string' || value.length === 0 || value.length > 256)
      throw new AuditError('AUDIT_INVALID_QUERY', `invalid query: ${key} must be a non-empty string`)
    out[key] = value
  }
  const from = instant(filter.from, 'from')
  const to = instant(filter.to, 'to')
  if (from !== undefined) out.from = from
  if (to !== undefined) out.to = to
  return out
}

/** The filter as the `audit.*` read events record it (plain JSON). */
export function describeFilter(filter: StoreFilter): Record<string, unknown> {
  return JSON.parse(JSON.stringify(filter))
}
