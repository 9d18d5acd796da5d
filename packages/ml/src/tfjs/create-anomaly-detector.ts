import type {
  AnomalyDetector,
  AnomalyDetectorOptions,
  AutoencoderDetectorOptions,
} from '../detectors/anomaly-detector-types.js'
import { createAnomalyDetector as createPureDetector } from '../detectors/create-anomaly-detector.js'
import { MlError } from '../errors/ml-error.js'
import { toModelStore } from '../store/model-io.js'
import type { ModelIO } from '../store/model-store.js'
import {
  type AutoencoderDetector,
  buildAutoencoderDetector,
  restoreAutoencoderDetector,
} from './autoencoder-detector.js'

/**
 * Creates any anomaly detector, keyed on `options.kind`: `autoencoder` (tfjs; its detector also
 * reports training, see {@link AutoencoderDetector}) here, `zscore` and `ensemble` (the default)
 * delegated to the pure-TypeScript implementations of the root entry. Bad options reject with
 * `ML_INVALID_OPTIONS`.
 */
export async function createAnomalyDetector(options: AutoencoderDetectorOptions): Promise<AutoencoderDetector>
export async function createAnomalyDetector(options?: AnomalyDetectorOptions): Promise<AnomalyDetector>
export async function createAnomalyDetector(options: AnomalyDetectorOptions = {}): Promise<AnomalyDetector> {
  if (options?.kind === 'autoencoder') return buildAutoencoderDetector(options)
  return createPureDetector(options)
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
  return createPureDetector.load({
    read: async () => document,
    write: (doc) => store.write(doc),
    close: () => store.close(),
  })
}
