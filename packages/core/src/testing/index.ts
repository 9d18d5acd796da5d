/**
 * Test helpers for hosts and opskit packages: a controllable clock, an in-memory logger and the
 * generic store conformance harness (which needs `vitest`, an optional peer).
 * @packageDocumentation
 */
export { createFakeClock, type FakeClock } from './fake-clock.js'
export { createMemoryLogger, type LogRecord, type MemoryLogger } from './memory-logger.js'
export {
  runStoreConformance,
  type StoreConformanceCase,
  type StoreConformanceOptions,
} from './store-conformance.js'
