/**
 * `@opskit/ml`: anomaly detection, fraud scoring and forecasting.
 * @packageDocumentation
 */
export { MlError, type MlErrorCode } from './errors/ml-error.js'
