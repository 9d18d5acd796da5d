/**
 * `@opskit/ml`: anomaly detection, fraud scoring and forecasting.
 * @packageDocumentation
 */
export type {
  AnomalyDetector,
  AnomalyDetectorKind,
  AnomalyDetectorOptions,
  AnomalyReason,
  AnomalyResult,
  AutoencoderDetectorOptions,
  DataPoint,
  DetectorSnapshot,
  EnsembleDetectorOptions,
  ZScoreDetectorOptions,
} from './detectors/anomaly-detector-types.js'
export { createAnomalyDetector, restoreAnomalyDetector } from './detectors/create-anomaly-detector.js'
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
  type SalesShape,
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
export { createFileModelStore, type FileModelStoreOptions } from './store/file/file-model-store.js'
export { createKyselyModelStore, type KyselyModelStoreOptions } from './store/kysely/kysely-model-store.js'
export { mlMigrations } from './store/kysely/migrations.js'
export type { ModelIO, ModelStore } from './store/model-store.js'
