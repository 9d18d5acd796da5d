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
export {
  createMetricForecaster,
  type FailureRisk,
  type Forecast,
  type ForecastPoint,
  type MetricForecaster,
  type MetricForecasterOptions,
  type MetricForecastMethod,
  type MetricRisk,
  type MetricThreshold,
  normalQuantile,
} from './forecast/metric-forecaster.js'
export {
  baselineDaysToSellout,
  type GeneratedSalesCurve,
  generateSalesCurves,
  holtDaysToSellout,
  type SalesCurve,
  type SalesGeneratorOptions,
  seasonalNaiveDaysToSellout,
} from './forecast/sales.js'
export {
  createFraudScorer,
  type FraudScorer,
  type FraudScorerOptions,
  type FraudTrainOptions,
  type FraudTrainReport,
  riskOf,
} from './fraud/create-fraud-scorer.js'
export { FRAUD_FEATURE_COUNT, FRAUD_FEATURE_NAMES, sessionFeatures } from './fraud/features.js'
export type { FraudModel, FraudModelFitOptions } from './fraud/fraud-model.js'
export { generateSessions, type SessionGeneratorOptions } from './fraud/generator.js'
export { brierScore, precisionAtRecall, precisionAtTop, rocAuc } from './fraud/metrics.js'
export {
  DEFAULT_RULE_WEIGHTS,
  evaluateRules,
  type FraudRuleCode,
  type FraudRuleOptions,
  haversineKm,
} from './fraud/rules.js'
export type {
  FraudReason,
  FraudRisk,
  FraudScore,
  FraudSession,
  LabelledSession,
  SessionLocation,
} from './fraud/session.js'
export {
  createDatabaseModelStore,
  type DatabaseModelStoreOptions,
  mlMigrations,
} from './model-store/database-model-store.js'
export { createFileModelStore } from './model-store/file-model-store.js'
export type { ModelIO, ModelStore } from './model-store/model-store.js'
