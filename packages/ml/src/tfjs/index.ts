/**
 * `@opskit/ml/tfjs`: the TensorFlow.js parts (optional peers `@tensorflow/tfjs` and
 * `@tensorflow/tfjs-backend-wasm`): backend selection, the fraud network, model IO handlers.
 * @packageDocumentation
 */
export { modelStoreIOHandler, type SerializedArtifacts } from './artifacts.js'
export { type AutoencoderDetector, trainAutoencoder } from './autoencoder-detector.js'
export { type BackendReport, type UseBestBackendOptions, useBestBackend } from './backend.js'
export { createAnomalyDetector } from './create-anomaly-detector.js'
export type { DenseActivation, DenseLayer } from './dense-net.js'
export { createFraudNetwork, type FraudNetworkOptions, loadFraudScorer } from './fraud-network.js'
export {
  createSelloutForecaster,
  evaluateSellout,
  type SaleInProgress,
  type SelloutEvaluation,
  type SelloutForecaster,
  type SelloutForecasterOptions,
  type SelloutPrediction,
} from './sellout-forecaster.js'
export type { TrainedEvent, TrainingEvents, TrainingFailedEvent } from './training-supervisor.js'
export { stopTrainingWorker } from './worker-pool.js'
