import * as tf from '@tensorflow/tfjs'
import { MlError } from '../errors/ml-error.js'
import type { ModelStore } from '../store/model-store.js'

/** A tfjs model's artifacts as JSON-safe data (weights base64-encoded). */
export interface SerializedArtifacts {
  readonly modelTopology: unknown
  readonly weightSpecs: unknown
  readonly weightData: string
}

/** Captures a layers model's topology and weights. */
export async function serializeModel(model: tf.LayersModel): Promise<SerializedArtifacts> {
  let captured: SerializedArtifacts | undefined
  await model.save(
    tf.io.withSaveHandler(async (artifacts) => {
      const data = artifacts.weightData
      const buffer = Array.isArray(data) ? tf.io.concatenateArrayBuffers(data) : (data as ArrayBuffer)
      captured = {
        modelTopology: artifacts.modelTopology,
        weightSpecs: artifacts.weightSpecs,
        weightData: Buffer.from(buffer).toString('base64'),
      }
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
    }),
  )
  if (!captured) throw new MlError('ML_MODEL_IO_FAILED', 'tfjs did not hand over the model artifacts')
  return captured
}

/** Rebuilds a layers model from {@link serializeModel} output. */
export async function deserializeModel(artifacts: SerializedArtifacts): Promise<tf.LayersModel> {
  try {
    const bytes = Buffer.from(artifacts.weightData, 'base64')
    const weightData = bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength)
    return await tf.loadLayersModel(
      tf.io.fromMemory({
        modelTopology: artifacts.modelTopology as tf.io.ModelArtifacts['modelTopology'],
        weightSpecs: artifacts.weightSpecs as tf.io.WeightsManifestEntry[],
        weightData,
      }),
    )
  } catch (cause) {
    throw new MlError('ML_MODEL_IO_FAILED', 'cannot rebuild the tfjs model', { cause })
  }
}

/**
 * A tfjs `IOHandler` over any {@link ModelStore} (a file via `createFileModelStore`, the host
 * database via `createDatabaseModelStore`): `model.save(modelStoreIOHandler(store))` and
 * `tf.loadLayersModel(modelStoreIOHandler(store))`.
 */
export function modelStoreIOHandler(store: ModelStore): tf.io.IOHandler {
  return {
    async save(artifacts) {
      const data = artifacts.weightData
      const buffer =
        data === undefined
          ? new ArrayBuffer(0)
          : Array.isArray(data)
            ? tf.io.concatenateArrayBuffers(data)
            : data
      await store.write(
        JSON.stringify({
          modelTopology: artifacts.modelTopology,
          weightSpecs: artifacts.weightSpecs,
          weightData: Buffer.from(buffer as ArrayBuffer).toString('base64'),
        }),
      )
      return { modelArtifactsInfo: { dateSaved: new Date(), modelTopologyType: 'JSON' } }
    },
    async load() {
      const document = await store.read()
      if (document === undefined) throw new MlError('ML_MODEL_IO_FAILED', 'no saved tfjs model found')
      const parsed = JSON.parse(document) as SerializedArtifacts
      const bytes = Buffer.from(parsed.weightData, 'base64')
      return {
        modelTopology: parsed.modelTopology as NonNullable<tf.io.ModelArtifacts['modelTopology']>,
        weightSpecs: parsed.weightSpecs as tf.io.WeightsManifestEntry[],
        weightData: bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength),
      }
    },
  }
}
