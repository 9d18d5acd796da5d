import { mulberry32 } from '@opskit/core/internal'
import type { AnomalyDetectorOptions } from '../detectors/anomaly-detector-types.js'
import { MlError } from '../errors/ml-error.js'
import { NAB_PROFILE_NAMES, type NabProfileName } from './profiles.js'
import { type NabScoredFile, scoreNabCorpus } from './scorer.js'

/** One candidate parameter set with its scores on every file (same order as the files). */
export interface NabCandidate<P> {
  /** The parameters (shown in the report). */
  readonly params: P
  /** Anomaly score per row, per file. */
  readonly scores: readonly (readonly number[])[]
}

/** One fold: parameters and thresholds chosen on `train`, scored on `test`. */
export interface NabFold<P> {
  /** Keys of the files the parameters and thresholds were chosen on. */
  readonly train: readonly string[]
  /** Keys of the held-out files. */
  readonly test: readonly string[]
  /** The candidate with the best standard score on `train`. */
  readonly chosen: P
  /** Its normalised scores on `train` (each profile at its own best threshold there). */
  readonly trainScore: Readonly<Record<NabProfileName, number>>
  /** The thresholds chosen on `train`, per profile. */
  readonly thresholds: Readonly<Record<NabProfileName, number>>
  /** Normalised scores on `test` at those thresholds (the honest figure). */
  readonly testScore: Readonly<Record<NabProfileName, number>>
}

/** Result of {@link crossValidateNab}: two folds and the mean of their held-out scores. */
export interface NabCrossValidation<P> {
  readonly folds: readonly [NabFold<P>, NabFold<P>]
  /** Mean of the two held-out scores, per profile. */
  readonly mean: Readonly<Record<NabProfileName, number>>
}

/**
 * Splits NAB files into two halves, stratified by category (the folder of the key): within each
 * category the files are shuffled with `seed` and dealt alternately, the odd one out going to
 * whichever half is smaller so far.
 */
export function splitNabFiles<F extends { readonly key: string }>(
  files: readonly F[],
  seed: number,
): [F[], F[]] {
  const random = mulberry32(seed)
  const byCategory = new Map<string, F[]>()
  for (const file of files) {
    const category = file.key.slice(0, Math.max(0, file.key.lastIndexOf('/')))
    byCategory.set(category, [...(byCategory.get(category) ?? []), file])
  }
  const halves: [F[], F[]] = [[], []]
  for (const category of [...byCategory.keys()].sort()) {
    const group = [...(byCategory.get(category) as F[])]
    for (let i = group.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[group[i], group[j]] = [group[j] as F, group[i] as F]
    }
    // The first file of a category goes to the smaller half, so odd counts even out across categories.
    let side: 0 | 1 = halves[0].length <= halves[1].length ? 0 : 1
    for (const file of group) {
      halves[side].push(file)
      side = side === 0 ? 1 : 0
    }
  }
  return halves
}

type ProfileRecord = Record<NabProfileName, number>

function profileRecord(pick: (profile: NabProfileName) => number): ProfileRecord {
  const out = {} as ProfileRecord
  for (const profile of NAB_PROFILE_NAMES) out[profile] = pick(profile)
  return out
}

function fold<P>(
  files: readonly Omit<NabScoredFile, 'scores'>[],
  candidates: readonly NabCandidate<P>[],
  trainKeys: ReadonlySet<string>,
): NabFold<P> {
  const subset = (candidate: NabCandidate<P>, train: boolean) =>
    files.flatMap((file, i) =>
      trainKeys.has(file.key) === train
        ? [{ ...file, scores: candidate.scores[i] as readonly number[] }]
        : [],
    )
  let best: { candidate: NabCandidate<P>; result: ReturnType<typeof scoreNabCorpus> } | undefined
  for (const candidate of candidates) {
    const result = scoreNabCorpus(subset(candidate, true))
    const standard = result.standard?.normalised ?? Number.NEGATIVE_INFINITY
    // Ties keep the earlier candidate (list the defaults first).
    if (!best || standard > (best.result.standard?.normalised ?? Number.NEGATIVE_INFINITY))
      best = { candidate, result }
  }
  const chosen = best as { candidate: NabCandidate<P>; result: ReturnType<typeof scoreNabCorpus> }
  const thresholds = profileRecord((p) => chosen.result[p]?.threshold as number)
  const held = subset(chosen.candidate, false)
  const testScore = profileRecord(
    (p) => scoreNabCorpus(held, { profiles: [p], threshold: thresholds[p] })[p]?.normalised as number,
  )
  return {
    train: files.filter((f) => trainKeys.has(f.key)).map((f) => f.key),
    test: files.filter((f) => !trainKeys.has(f.key)).map((f) => f.key),
    chosen: chosen.candidate.params,
    trainScore: profileRecord((p) => chosen.result[p]?.normalised as number),
    thresholds,
    testScore,
  }
}

/**
 * Two-fold cross-validation on NAB: the files are split in two halves stratified by category
 * ({@link splitNabFiles}); on each half the candidate with the best standard score is chosen, with
 * one threshold per profile swept on that half; both are then scored on the other half, never seen
 * while choosing. The mean of the two held-out scores is an honest estimate of what the chosen
 * parameters do on files they were not tuned on.
 */
export function crossValidateNab<P>(
  files: readonly Omit<NabScoredFile, 'scores'>[],
  candidates: readonly NabCandidate<P>[],
  seed = 1,
): NabCrossValidation<P> {
  if (candidates.length === 0)
    throw new MlError('ML_INVALID_INPUT', 'crossValidateNab needs at least one candidate')
  for (const candidate of candidates) {
    if (candidate.scores.length !== files.length)
      throw new MlError(
        'ML_INVALID_INPUT',
        `a candidate has scores for ${candidate.scores.length} of ${files.length} files`,
      )
  }
  const [first] = splitNabFiles(files, seed)
  const firstKeys = new Set(first.map((f) => f.key))
  const secondKeys = new Set(files.filter((f) => !firstKeys.has(f.key)).map((f) => f.key))
  const folds: [NabFold<P>, NabFold<P>] = [
    fold(files, candidates, firstKeys),
    fold(files, candidates, secondKeys),
  ]
  return {
    folds,
    mean: profileRecord((p) => (folds[0].testScore[p] + folds[1].testScore[p]) / 2),
  }
}

/**
 * The grid `opskit-ml nab-cv` searches: the ensemble's defaults first, then neighbours of each of
 * its NAB-chosen global parameters: quantisation levels × warm-up, the shape channel's window
 * × floor, and the slow likelihood layers' averaging window (0 turns them off), so none of these
 * enters the held-out figure pre-chosen.
 */
export const NAB_CV_GRID: readonly AnomalyDetectorOptions[] = [
  {},
  ...[15, 20, 30].flatMap((levels) =>
    [200, 250, 300].flatMap((warmup) => (levels === 20 && warmup === 250 ? [] : [{ levels, warmup }])),
  ),
  ...[64, 128, 256, 512].flatMap((shapeWindow) =>
    [0.4, 0.5, 0.6].flatMap((shapeFloor) =>
      shapeWindow === 256 && shapeFloor === 0.5 ? [] : [{ shapeWindow, shapeFloor }],
    ),
  ),
  ...[0, 40, 64].map((sustainedWindow) => ({ sustainedWindow })),
]
