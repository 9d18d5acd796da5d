/**
 * `@opskit/ml/testing`: conformance suites and helpers for hosts' tests.
 * @packageDocumentation
 */
export { createFakeClock, type FakeClock } from '@opskit/core/testing'
export {
  type AnomalyDetectorConformanceOptions,
  conformanceSeries,
  runAnomalyDetectorConformance,
} from './conformance/anomaly-detector-conformance.js'
export {
  type ModelStoreConformanceOptions,
  runModelStoreConformance,
} from './conformance/model-store.js'
export { createMemoryModelStore } from './memory-model-store.js'
