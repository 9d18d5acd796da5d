import { MlError } from '../errors/ml-error.js'
import { NAB_PROFILE_NAMES, NAB_PROFILES, type NabProfile, type NabProfileName } from './profiles.js'

/** One scored data file: its row timestamps, the detector's score per row and its labelled windows. */
export interface NabScoredFile {
  /** Relative path such as `realKnownCause/nyc_taxi.csv`; used in window ids and per-file results. */
  readonly key: string
  /** Row instants in epoch milliseconds, ascending. */
  readonly timestamps: readonly number[]
  /** Anomaly score per row, normally in [0, 1]. */
  readonly scores: readonly number[]
  /** Labelled windows as `[start, end]` instants in epoch milliseconds (inclusive). */
  readonly windows: readonly (readonly [number, number])[]
}

/** Options of {@link scoreNabCorpus}. */
export interface NabScoreOptions {
  /** Probationary fraction of each file. @default 0.15 */
  readonly probationaryFraction?: number
  /** Cap on probationary rows. @default 750 */
  readonly probationaryCap?: number
  /** Profiles to score. @default all three NAB profiles */
  readonly profiles?: readonly NabProfileName[]
  /** Score at this fixed threshold instead of sweeping for the best one (NAB's `--thresholds` path). */
  readonly threshold?: number
}

/** Result of one profile over the corpus. */
export interface NabProfileResult {
  /** The lowest anomaly score still counted as a detection (1.1 = no detections). */
  readonly threshold: number
  /** Sum of the per-file raw scores at `threshold`. */
  readonly raw: number
  /** Raw score of the null detector on the same files and labels. */
  readonly rawNull: number
  /** Raw score of the perfect detector (tpWeight times the number of windows). */
  readonly rawPerfect: number
  /** `100 * (raw - rawNull) / (rawPerfect - rawNull)`. */
  readonly normalised: number
  /** Raw score of each file at `threshold`, by key. */
  readonly perFile: Readonly<Record<string, number>>
}

/** Results of {@link scoreNabCorpus}, by profile. */
export type NabCorpusResult = Partial<Record<NabProfileName, NabProfileResult>>

/** The "no detection" threshold of NAB: above every valid score. */
export const NO_DETECTION_THRESHOLD = 1.1

const SIGMOID_STEEPNESS = 5

/** NAB's scaled sigmoid: -1 beyond 3 window widths after a window, `2/(1+e^{5y}) - 1` otherwise. */
export function scaledSigmoid(y: number): number {
  if (y > 3) return -1
  return 2 / (1 + Math.exp(SIGMOID_STEEPNESS * y)) - 1
}

const S_MAX = scaledSigmoid(-1)

interface ScoringPoint {
  score: number
  v: number
  /** Index into the corpus-wide window list, or -1. */
  window: number
  file: number
}

interface RowWindow {
  a: number
  b: number
}

function windowRows(file: NabScoredFile): RowWindow[] {
  const { timestamps, windows } = file
  const rows: RowWindow[] = []
  for (const [start, end] of windows) {
    let a = -1
    let b = -1
    for (let i = 0; i < timestamps.length; i++) {
      const t = timestamps[i] as number
      if (a < 0 && t >= start) a = i
      if (t <= end) b = i
    }
    if (a >= 0 && b >= a) rows.push({ a, b })
  }
  rows.sort((x, y) => x.a - y.a)
  return rows
}

/** The number of leading rows NAB leaves out of scoring for a file of `length` rows. */
export function probationaryRows(length: number, fraction = 0.15, cap = 750): number {
  return Math.min(Math.floor(fraction * length), cap)
}

function buildPoints(
  files: readonly NabScoredFile[],
  profile: NabProfile,
  fraction: number,
  cap: number,
): { points: ScoringPoint[]; windowCount: number; scoredWindows: Set<number> } {
  const points: ScoringPoint[] = []
  let windowBase = 0
  const scoredWindows = new Set<number>()
  files.forEach((file, fileIndex) => {
    const n = file.timestamps.length
    if (file.scores.length !== n) {
      throw new MlError(
        'ML_INVALID_INPUT',
        `NAB file ${file.key}: ${file.scores.length} scores for ${n} rows`,
      )
    }
    const rows = windowRows(file)
    const probation = probationaryRows(n, fraction, cap)
    let current = 0
    let bPrev = -1
    let wPrev = 0
    for (let i = 0; i < n; i++) {
      while (current < rows.length && (rows[current] as RowWindow).b < i) current++
      const w = rows[current]
      const inside = w !== undefined && w.a <= i && i <= w.b
      let v: number
      if (inside) {
        const width = w.b - w.a + 1
        v = (profile.tpWeight * scaledSigmoid(-(w.b - i + 1) / width)) / S_MAX
      } else if (bPrev < 0) {
        v = -profile.fpWeight
      } else {
        const y = wPrev > 1 ? (i - bPrev) / (wPrev - 1) : Number.POSITIVE_INFINITY
        v = profile.fpWeight * scaledSigmoid(y)
      }
      if (i >= probation) {
        const score = file.scores[i] as number
        const windowId = inside ? windowBase + current : -1
        if (windowId >= 0) scoredWindows.add(windowId)
        points.push({ score: Number.isFinite(score) ? score : 0, v, window: windowId, file: fileIndex })
      }
      if (inside && i === w.b) {
        bPrev = w.b
        wPrev = w.b - w.a + 1
      }
    }
    windowBase += rows.length
  })
  return { points, windowCount: windowBase, scoredWindows }
}

function optimise(
  points: readonly ScoringPoint[],
  scoredWindows: Set<number>,
  profile: NabProfile,
): { threshold: number; raw: number } {
  const order = points
    .map((_, i) => i)
    .sort((x, y) => (points[y] as ScoringPoint).score - (points[x] as ScoringPoint).score)
  const windowPart = new Map<number, number>()
  for (const id of scoredWindows) windowPart.set(id, -profile.fnWeight)
  let windowSum = -profile.fnWeight * scoredWindows.size
  let fpSum = 0
  // Candidates in descending threshold order; ties keep the first (highest) one.
  let bestThreshold = NO_DETECTION_THRESHOLD
  let bestRaw = windowSum + fpSum
  let previous = Number.NaN
  for (const index of order) {
    const point = points[index] as ScoringPoint
    if (point.score !== previous && !Number.isNaN(previous)) {
      const total = windowSum + fpSum
      if (total > bestRaw) {
        bestRaw = total
        bestThreshold = previous
      }
    }
    previous = point.score
    if (point.window < 0) fpSum += point.v
    else {
      const part = windowPart.get(point.window) as number
      if (point.v > part) {
        windowSum += point.v - part
        windowPart.set(point.window, point.v)
      }
    }
  }
  if (!Number.isNaN(previous)) {
    const total = windowSum + fpSum
    if (total > bestRaw) {
      bestRaw = total
      bestThreshold = previous
    }
  }
  return { threshold: bestThreshold, raw: bestRaw }
}

function scoreAt(
  points: readonly ScoringPoint[],
  scoredWindows: Set<number>,
  profile: NabProfile,
  threshold: number,
  fileCount: number,
): number[] {
  const perFile = new Array<number>(fileCount).fill(0)
  const windowFile = new Map<number, number>()
  const windowBest = new Map<number, number>()
  for (const point of points) {
    if (point.window >= 0) windowFile.set(point.window, point.file)
    if (point.score < threshold) continue
    if (point.window < 0) perFile[point.file] = (perFile[point.file] as number) + point.v
    else
      windowBest.set(
        point.window,
        Math.max(windowBest.get(point.window) ?? Number.NEGATIVE_INFINITY, point.v),
      )
  }
  for (const id of scoredWindows) {
    const file = windowFile.get(id) as number
    perFile[file] = (perFile[file] as number) + (windowBest.get(id) ?? -profile.fnWeight)
  }
  return perFile
}

/**
 * Scores a corpus the way NAB v1.1 does: per-row sigmoid weights, probationary rows skipped,
 * one threshold per profile swept over the whole corpus, normalised between the null detector
 * (0) and the perfect detector (100) of the same label set.
 */
export function scoreNabCorpus(
  files: readonly NabScoredFile[],
  options: NabScoreOptions = {},
): NabCorpusResult {
  const fraction = options.probationaryFraction ?? 0.15
  const cap = options.probationaryCap ?? 750
  const result: NabCorpusResult = {}
  for (const name of options.profiles ?? NAB_PROFILE_NAMES) {
    const profile = NAB_PROFILES[name]
    const { points, windowCount, scoredWindows } = buildPoints(files, profile, fraction, cap)
    const threshold = options.threshold ?? optimise(points, scoredWindows, profile).threshold
    const perFileRaw = scoreAt(points, scoredWindows, profile, threshold, files.length)
    const nullPoints = points.map((p) => ({ ...p, score: 0.5 }))
    const rawNull = optimise(nullPoints, scoredWindows, profile).raw
    const rawPerfect = profile.tpWeight * windowCount
    const raw = perFileRaw.reduce((sum, x) => sum + x, 0)
    const perFile: Record<string, number> = {}
    files.forEach((file, i) => {
      perFile[file.key] = perFileRaw[i] as number
    })
    result[name] = {
      threshold,
      raw,
      rawNull,
      rawPerfect,
      normalised: rawPerfect === rawNull ? 0 : (100 * (raw - rawNull)) / (rawPerfect - rawNull),
      perFile,
    }
  }
  return result
}
