import type { AnomalyDetector } from '../detectors/anomaly-detector.js'
import {
  type AnomalyDetectorOptions,
  createAnomalyDetector as createPureDetector,
} from '../detectors/create-anomaly-detector.js'
import { MlError } from '../errors/ml-error.js'
import { toModelStore } from '../model-store/file-model-store.js'
import type { ModelIO } from '../model-store/model-store.js'
import {
  type AutoencoderDetectorOptions,
  createAutoencoderDetector,
  restoreAutoencoderDetector,
} from './autoencoder-detector.js'

/** Options of `createAnomalyDetector` from `@opskit/ml/tfjs`: any kind, autoencoder included. */
export type AnyAnomalyDetectorOptions =
  | AnomalyDetectorOptions
  | (AutoencoderDetectorOptions & { kind: 'autoencoder' })

/**
 * Creates any anomaly detector: `autoencoder` (tfjs) here, `zscore` and `ensemble` delegated to
 * the pure-TypeScript implementations of the root entry.
 */
export async function createAnomalyDetector(
  options: AnyAnomalyDetectorOptions = {},
): Promise<AnomalyDetector> {
  if (options.kind === 'autoencoder') return createAutoencoderDetector(options)
  return createPureDetector(options as AnomalyDetectorOptions)
}

/** Restores any saved detector, autoencoder included. */
createAnomalyDetector.load = async (io: ModelIO): Promise<AnomalyDetector> => {
  const store = toModelStore(io)
  const document = await store.read()
  if (document === undefined) throw new MlError('ML_MODEL_IO_FAILED', 'no saved detector found')
  let json: { format?: unknown; kind?: unknown; options?: unknown; state?: unknown }
  try {
    json = JSON.parse(document) as typeof json
  } catch (cause) {
    throw new MlError('ML_MODEL_IO_FAILED', 'saved detector is not valid JSON', { cause })
  }
  if (json.format === 'opskit-ml-detector' && json.kind === 'autoencoder') {
    return restoreAutoencoderDetector({ options: json.options, state: json.state })
  }
  return createPureDetector.load({ read: async () => document, write: (doc) => store.write(doc) })
}
