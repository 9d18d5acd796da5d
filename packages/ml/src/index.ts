/**
 * `@opskit/ml`: anomaly detection, fraud scoring and forecasting.
 * @packageDocumentation
 */
export type {
  AnomalyDetector,
  AnomalyDetectorKind,
  AnomalyReason,
  AnomalyResult,
  DataPoint,
  DetectorSnapshot,
} from './detectors/anomaly-detector.js'
export {
  type AnomalyDetectorOptions,
  createAnomalyDetector,
  restoreAnomalyDetector,
} from './detectors/create-anomaly-detector.js'
export { MlError, type MlErrorCode } from './errors/ml-error.js'
export { createFileModelStore } from './model-store/file-model-store.js'
export type { ModelIO, ModelStore } from './model-store/model-store.js'
