/**
 * Test helpers for hosts and opskit packages: a controllable clock and an in-memory logger.
 * @packageDocumentation
 */
export { createFakeClock, type FakeClock } from './fake-clock.js'
export { createMemoryLogger, type LogRecord, type MemoryLogger } from './memory-logger.js'
