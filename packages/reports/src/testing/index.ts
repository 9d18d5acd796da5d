/**
 * `@opskit/reports/testing`: the memory store, the store conformance suite (it imports `vitest`)
 * and the example data seeder, for hosts' tests.
 * @packageDocumentation
 */
export { createFakeClock, type FakeClock } from '@opskit/core/testing'
export { createMemoryStorage } from '../storage/memory-storage.js'
export {
  type ReportsStoreConformanceOptions,
  runReportsStoreConformance,
} from './conformance/reports-store.js'
export { createMemoryReportsStore } from './memory-reports-store.js'
export { type SeedExampleOptions, type SeededCounts, seedExampleData } from './seed-example.js'
