/**
 * `@opskit/reports/testing`: mocks and conformance suites for hosts' tests.
 * @packageDocumentation
 */
export { createFakeClock, type FakeClock } from '@opskit/core/testing'
export { createMemoryStorage } from '../storage/memory-storage.js'
export { createMemoryReportStore } from '../store/memory-store.js'
export {
  type ReportStoreConformanceOptions,
  runReportStoreConformance,
} from './conformance/report-store-conformance.js'
export { type SeedExampleOptions, type SeededCounts, seedExampleData } from './seed-example.js'
