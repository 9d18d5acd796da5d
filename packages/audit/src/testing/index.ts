/**
 * `@opskit/audit/testing`: an in-memory audit log for hosts' tests, and the store conformance suite.
 * @packageDocumentation
 */
export { createFakeClock, type FakeClock } from '@opskit/core/testing'
export {
  type AuditStoreConformanceOptions,
  runAuditStoreConformance,
} from './conformance/audit-store.js'
export { createMemoryAuditLog } from './memory-audit-log.js'
export { createMemoryAuditStore, type MemoryAuditStore } from './memory-audit-store.js'
