import type { AnomalyDetector, AnomalyDetectorOptions } from '../detectors/anomaly-detector-types.js'
import { createAnomalyDetector } from '../detectors/create-anomaly-detector.js'
import type { NabDataFile } from './corpus.js'

/** Scores of one detector over NAB files, with the time it took. */
export interface NabDetectorRun {
  /** Anomaly score per row, per file (same order as the input). */
  readonly scores: number[][]
  /** Rows scored. */
  readonly points: number
  /** Wall-clock milliseconds spent in `update()` calls and detector creation. */
  readonly elapsedMs: number
}

/** A detector that may train in the background; `idle` resolves when training is done. */
type MaybeBackground = AnomalyDetector & { idle?: () => Promise<void>; readonly trainings?: number }

/**
 * Runs a fresh detector online over each file (one detector per file, same options for all).
 * `create` is detector options or a factory (e.g. the tfjs `createAnomalyDetector`). When a
 * detector trains in the background, the run waits for each training to finish before the next
 * point, so results do not depend on machine speed.
 */
export async function runDetectorOnNab(
  files: readonly NabDataFile[],
  create: AnomalyDetectorOptions | (() => Promise<AnomalyDetector>),
): Promise<NabDetectorRun> {
  const started = performance.now()
  const scores: number[][] = []
  let points = 0
  for (const file of files) {
    const detector: MaybeBackground =
      typeof create === 'function' ? await create() : await createAnomalyDetector(create)
    const out = new Array<number>(file.values.length)
    for (let i = 0; i < file.values.length; i++) {
      out[i] = detector.update({
        timestamp: file.timestamps[i] as number,
        value: file.values[i] as number,
      }).score
      if (detector.idle) await detector.idle()
    }
    points += out.length
    scores.push(out)
  }
  return { scores, points, elapsedMs: performance.now() - started }
}
