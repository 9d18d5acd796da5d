import { parseInput } from '@opskit/core'
import { z } from 'zod'
import { MlError } from '../errors/ml-error.js'
import { readOnlyModelStore, toModelStore } from '../store/model-io.js'
import type { ModelIO } from '../store/model-store.js'
import { type ResolvedDetector, resolveDetectorOptions } from '../validation/detector-options.js'
import type {
  AnomalyDetector,
  AnomalyDetectorOptions,
  AnomalyReason,
  AnomalyResult,
  DetectorSnapshot,
} from './anomaly-detector-types.js'
import { type EnsembleState, ensembleEngine } from './ensemble-engine.js'
import { toMillis } from './time.js'
import type { WindowedGaussianState } from './windowed-gaussian.js'
import { zscoreEngine } from './zscore-engine.js'

const pointSchema = z.object({
  timestamp: z.union([z.number(), z.date()]),
  value: z.number(),
})
const historySchema = z.array(pointSchema)

const invalidInput = (message: string) => new MlError('ML_INVALID_INPUT', message)

function build(
  { kind, values }: ResolvedDetector,
  restored?: { state: unknown; lastTimestamp: number | null },
): AnomalyDetector {
  const engine =
    kind === 'zscore'
      ? zscoreEngine(values, restored?.state as WindowedGaussianState | undefined)
      : ensembleEngine(values, restored?.state as EnsembleState | undefined)
  let lastTimestamp = restored?.lastTimestamp ?? Number.NEGATIVE_INFINITY
  const threshold = values.threshold as number
  const ignored = (reason: AnomalyReason): AnomalyResult => ({
    score: 0,
    isAnomaly: false,
    reason,
    model: kind,
  })

  const detector: AnomalyDetector = {
    kind,
    threshold,
    async fit(history) {
      if (Array.isArray(history)) {
        if (history.length === 0) throw new MlError('ML_EMPTY_HISTORY', 'fit() needs at least one point')
        const bad = history.findIndex((p) => typeof p?.value === 'number' && !Number.isFinite(p.value))
        if (bad >= 0) throw new MlError('ML_NAN_INPUT', `history[${bad}].value is not a finite number`)
      }
      const points = parseInput(historySchema, history, invalidInput)
      for (const point of points) detector.update(point)
    },
    update(point) {
      const value = point?.value
      if (typeof value !== 'number' || !Number.isFinite(value)) return ignored('invalid-value')
      const at = toMillis(point.timestamp)
      if (!Number.isFinite(at)) return ignored('invalid-timestamp')
      if (at <= lastTimestamp) return ignored('out-of-order')
      lastTimestamp = at
      const { score, reason } = engine.step(value)
      return { score, isAnomaly: score >= threshold, reason, model: kind }
    },
    snapshot() {
      return {
        format: 'opskit-ml-detector',
        version: 1,
        kind,
        options: { ...values },
        state: {
          engine: engine.state(),
          lastTimestamp: Number.isFinite(lastTimestamp) ? lastTimestamp : null,
        },
      }
    },
    async save(io) {
      await toModelStore(io).write(JSON.stringify(detector.snapshot()))
    },
  }
  return detector
}

const snapshotSchema = z.object({
  format: z.literal('opskit-ml-detector'),
  version: z.literal(1),
  kind: z.enum(['zscore', 'ensemble']),
  options: z.record(z.string(), z.number()),
  state: z.object({ engine: z.unknown(), lastTimestamp: z.number().nullable() }),
})

/**
 * Creates an online anomaly detector; `options.kind` picks it. `ensemble` (the default) combines
 * an out-of-range check with "likelihood of errors" layers (HTM's idea) over sequence-context
 * models and a change model; `zscore` is NAB's windowed Gaussian. Both are pure TypeScript;
 * `autoencoder` needs tfjs and is built by `createAnomalyDetector` from `@opskit/ml/tfjs`
 * (here it rejects with `ML_BACKEND_UNAVAILABLE`). Bad options reject with `ML_INVALID_OPTIONS`.
 */
export async function createAnomalyDetector(options: AnomalyDetectorOptions = {}): Promise<AnomalyDetector> {
  if (options?.kind === 'autoencoder') {
    throw new MlError(
      'ML_BACKEND_UNAVAILABLE',
      "kind 'autoencoder' needs tfjs: use createAnomalyDetector from @opskit/ml/tfjs",
    )
  }
  return build(resolveDetectorOptions(options))
}

/** Restores a detector saved with {@link AnomalyDetector.save}; it continues exactly where it stopped. */
createAnomalyDetector.load = async (io: ModelIO): Promise<AnomalyDetector> => {
  const document = await toModelStore(io).read()
  if (document === undefined) throw new MlError('ML_MODEL_IO_FAILED', 'no saved detector found')
  let json: unknown
  try {
    json = JSON.parse(document)
  } catch (cause) {
    throw new MlError('ML_MODEL_IO_FAILED', 'saved detector is not valid JSON', { cause })
  }
  if ((json as { kind?: unknown } | null)?.kind === 'autoencoder') {
    throw new MlError(
      'ML_BACKEND_UNAVAILABLE',
      'an autoencoder detector needs tfjs: load it with createAnomalyDetector.load from @opskit/ml/tfjs',
    )
  }
  const snapshot = parseInput(snapshotSchema, json, (message) => new MlError('ML_MODEL_IO_FAILED', message))
  return build(
    { kind: snapshot.kind, values: snapshot.options },
    { state: snapshot.state.engine, lastTimestamp: snapshot.state.lastTimestamp },
  )
}

/** Restores a detector from a {@link DetectorSnapshot} held in memory. */
export function restoreAnomalyDetector(snapshot: DetectorSnapshot): Promise<AnomalyDetector> {
  return createAnomalyDetector.load(readOnlyModelStore(JSON.stringify(snapshot), 'a snapshot store'))
}
