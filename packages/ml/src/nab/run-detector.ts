import type { AnomalyDetectorOptions } from '../detectors/create-anomaly-detector.js'
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

/** Runs a fresh detector online over each file (one detector per file, same options for all). */
export async function runDetectorOnNab(
  files: readonly NabDataFile[],
  options: AnomalyDetectorOptions,
): Promise<NabDetectorRun> {
  const started = performance.now()
  const scores: number[][] = []
  let points = 0
  for (const file of files) {
    const detector = await createAnomalyDetector(options)
    const out = new Array<number>(file.values.length)
    for (let i = 0; i < file.values.length; i++) {
      out[i] = detector.update({
        timestamp: file.timestamps[i] as number,
        value: file.values[i] as number,
      }).score
    }
    points += out.length
    scores.push(out)
  }
  return { scores, points, elapsedMs: performance.now() - started }
}
