import type { AuditLog } from '../log/audit-log.js'
import type { AuditLogOptions } from '../log/audit-log-options.js'
import { createAuditLog } from '../log/create-audit-log.js'
import { createMemoryAuditStore } from './memory-audit-store.js'

/**
 * An audit log in memory with the same interface and behaviour as the database one, for hosts'
 * unit tests.
 *
 * @example
 * ```ts
 * const audit = await createMemoryAuditLog({ auditReads: false })
 * await service.login(audit, ...)
 * expect((await audit.query({ action: 'user.login' })).events).toHaveLength(1)
 * ```
 */
export function createMemoryAuditLog(options: Omit<AuditLogOptions, 'db' | 'store'> = {}): Promise<AuditLog> {
  return createAuditLog({ ...options, store: createMemoryAuditStore() })
}
