import type { AnomalyReason } from './anomaly-detector-types.js'
import {
  AnomalyLikelihood,
  type AnomalyLikelihoodOptions,
  type AnomalyLikelihoodState,
  logLikelihood,
} from './anomaly-likelihood.js'
import { ChangeSurprise, type ChangeSurpriseState } from './change-surprise.js'
import { ContextNovelty, type ContextNoveltyState } from './context-novelty.js'
import type { Engine } from './engine.js'
import { Flatline, type FlatlineState } from './flatline.js'
import { RareLevel, type RareLevelState } from './rare-level.js'
import { WindowNovelty, type WindowNoveltyState } from './window-novelty.js'

/**
 * Temporal non-maximum suppression (as CAD OSE does): a score that does not exceed every score of
 * the previous SUPPRESSION_WINDOW points is scaled by the `suppressionFactor` option.
 */
const SUPPRESSION_WINDOW = 100

/**
 * Past levels the rare-level channel ranks the current one among (57 days of 5-minute points):
 * a bound on memory that NAB's files (up to 22,695 points) barely reach.
 */
const RARE_LEVEL_MEMORY = 16384

/** Serializable state of the rare-level channel. */
export interface RareLevelChannelState {
  levels: RareLevelState
  likelihood: AnomalyLikelihoodState
}

/** The rare-level channel: raw rarity of the current level through its own likelihood layer. */
interface RareLevelChannel {
  step(value: number): number
  state(): RareLevelChannelState
}

/** The flatline channel, continued from a snapshot's state when there is one. */
function restoreFlatline(minRun: number, state?: FlatlineState): Flatline {
  return state ? Flatline.from(minRun, state) : new Flatline(minRun)
}

/** Each channel's score at one point, before the largest is taken. */
interface ChannelScores {
  byContext: number
  byChange: number
  byShape: number
  bySustained: number
  byFlatline: number
  byRareLevel: number
}

/** The reason of a score at or above the threshold: the channel that produced it. */
function strongestChannel(by: ChannelScores): AnomalyReason {
  const { byContext, byChange, byShape, bySustained, byFlatline, byRareLevel } = by
  if (byFlatline === 1) return 'flatline'
  if (byRareLevel > Math.max(byContext, byChange, byShape, bySustained)) return 'rare-level'
  if (byShape > Math.max(byContext, byChange, bySustained)) return 'unusual-shape'
  if (bySustained > Math.max(byContext, byChange)) return 'sustained-surprise'
  return byContext >= byChange ? 'surprising-sequence' : 'unexpected-change'
}

/** The rare-level channel when `rareLevelSpan` turns it on, continued from a snapshot's state when there is one. */
function rareLevelChannel(
  o: Record<string, number>,
  likelihoodOptions: AnomalyLikelihoodOptions,
  state?: RareLevelChannelState,
): RareLevelChannel | undefined {
  // Snapshots from before the option existed continue without the channel.
  const span = o.rareLevelSpan ?? 0
  if (span === 0) return undefined
  const options = { span, warmup: o.warmup as number, memory: RARE_LEVEL_MEMORY }
  const levels = state ? RareLevel.from(options, state.levels) : new RareLevel(options)
  const likelihood = state
    ? AnomalyLikelihood.from(likelihoodOptions, state.likelihood)
    : new AnomalyLikelihood(likelihoodOptions)
  return {
    step: (value) => logLikelihood(likelihood.step(levels.step(value))),
    state: () => ({ levels: levels.toJSON(), likelihood: likelihood.toJSON() }),
  }
}

/** Serializable state of the ensemble engine. */
export interface EnsembleState {
  contexts: ContextNoveltyState[]
  change: ChangeSurpriseState
  contextLikelihoods: AnomalyLikelihoodState[]
  changeLikelihood: AnomalyLikelihoodState
  /**
   * The slow likelihood layers over the context models (absent in snapshots from before they
   * existed, and when `sustainedWindow` is 0).
   */
  sustainedLikelihoods?: AnomalyLikelihoodState[]
  lo: number | null
  hi: number | null
  seen: number
  recent: number[]
  /** The shape channel (absent in snapshots from before it existed). */
  shape?: WindowNoveltyState
  /** The flatline channel (absent in snapshots from before it existed, and when `flatlineRun` is 0). */
  flatline?: FlatlineState
  /** The rare-level channel (absent in snapshots from before it existed, and when `rareLevelSpan` is 0). */
  rareLevel?: RareLevelChannelState
}

/**
 * The ensemble: an out-of-range check, likelihood layers over three sequence-context models and a
 * change model, slow likelihood layers over the same context models (sustained surprise), a
 * window-shape novelty channel, a rare-level channel and a flatline channel; the largest score wins, then temporal
 * non-maximum suppression.
 */
export function ensembleEngine(o: Record<string, number>, state?: EnsembleState): Engine {
  const likelihoodOptions: AnomalyLikelihoodOptions = {
    learningPeriod: o.learningPeriod as number,
    estimationSamples: o.estimationSamples as number,
    historicWindowSize: o.historicWindowSize as number,
    reestimationPeriod: 100,
    averagingWindow: 10,
  }
  // Context models at three resolutions: the coarse one generalises, the finer ones see small shifts.
  const contexts = state
    ? state.contexts.map((c) => ContextNovelty.from(c))
    : [1, 2, 4]
        .map((k) => k * (o.levels as number))
        .map((levels) => new ContextNovelty(1, levels, o.warmup as number))
  const change = state ? ChangeSurprise.from(state.change) : new ChangeSurprise(o.windowSize as number)
  const contextLikelihoods = state
    ? state.contextLikelihoods.map((l) => AnomalyLikelihood.from(likelihoodOptions, l))
    : contexts.map(() => new AnomalyLikelihood(likelihoodOptions))
  // The same raw context surprise averaged over `sustainedWindow` points instead of 10: a moderate
  // surprise that lasts (noise growing inside the usual range) stands out there, not point by point.
  // Snapshots from before the option existed continue without these layers.
  const sustainedWindow = o.sustainedWindow ?? 0
  const sustainedOptions = { ...likelihoodOptions, averagingWindow: sustainedWindow }
  const sustainedLikelihoods =
    sustainedWindow === 0
      ? []
      : state?.sustainedLikelihoods
        ? state.sustainedLikelihoods.map((l) => AnomalyLikelihood.from(sustainedOptions, l))
        : contexts.map(() => new AnomalyLikelihood(sustainedOptions))
  const changeLikelihood = state
    ? AnomalyLikelihood.from(likelihoodOptions, state.changeLikelihood)
    : new AnomalyLikelihood(likelihoodOptions)
  let lo = state?.lo ?? Number.POSITIVE_INFINITY
  let hi = state?.hi ?? Number.NEGATIVE_INFINITY
  let seen = state?.seen ?? 0
  // Snapshots from before the option existed continue with the factor they were made with.
  const suppressionFactor = o.suppressionFactor ?? 0.8
  // Scores before suppression, newest last (at most SUPPRESSION_WINDOW).
  const recent: number[] = state ? [...state.recent] : []
  const suppress = (score: number): number => {
    let previousMax = 0
    for (const r of recent) previousMax = Math.max(previousMax, r)
    recent.push(score)
    if (recent.length > SUPPRESSION_WINDOW) recent.shift()
    return score > previousMax ? score : score * suppressionFactor
  }
  const ready = likelihoodOptions.learningPeriod + likelihoodOptions.estimationSamples
  // Snapshots from before the shape channel existed start it afresh (it warms up on new points).
  // Snapshots from before the shape options existed continue with the values they were made with.
  const shapeOptions = {
    warmup: o.warmup as number,
    window: o.shapeWindow ?? 256,
    floor: o.shapeFloor ?? 0.5,
  }
  const shape = state?.shape ? WindowNovelty.from(shapeOptions, state.shape) : new WindowNovelty(shapeOptions)
  // Snapshots from before the flatline channel existed continue without it.
  const flatlineRun = o.flatlineRun ?? 0
  const flatline = flatlineRun === 0 ? undefined : restoreFlatline(flatlineRun, state?.flatline)
  // A fresh channel when the snapshot predates it but the options turn it on.
  const rareLevel = rareLevelChannel(o, likelihoodOptions, state?.rareLevel)
  return {
    step(value) {
      let byContext = 0
      let bySustained = 0
      for (const [i, context] of contexts.entries()) {
        const raw = context.step(value)
        byContext = Math.max(byContext, logLikelihood((contextLikelihoods[i] as AnomalyLikelihood).step(raw)))
        const sustained = sustainedLikelihoods[i]
        if (sustained) bySustained = Math.max(bySustained, logLikelihood(sustained.step(raw)))
      }
      const byChange = logLikelihood(changeLikelihood.step(change.step(value)))
      const byShape = shape.step(value)
      const byFlatline = flatline ? flatline.step(value) : 0
      const byRareLevel = rareLevel ? rareLevel.step(value) : 0
      const tolerance = (hi - lo) * (o.spatialTolerance as number)
      // The range means something only once the likelihood layers start learning (a day of
      // 5-minute points by default): before that, a new extreme is ordinary.
      const outOfRange =
        seen >= likelihoodOptions.learningPeriod &&
        hi > lo &&
        (value > hi + tolerance || value < lo - tolerance)
      lo = Math.min(lo, value)
      hi = Math.max(hi, value)
      seen++
      if (outOfRange) {
        const score = suppress(1)
        return { score, reason: score >= (o.threshold as number) ? 'out-of-range' : 'normal' }
      }
      if (seen < ready) {
        suppress(0)
        return { score: 0, reason: 'warming-up' }
      }
      const score = suppress(
        Math.min(1, Math.max(0, byContext, byChange, byShape, bySustained, byFlatline, byRareLevel)),
      )
      if (score < (o.threshold as number)) return { score, reason: 'normal' }
      // the channels' scores as one object only for an alarm, not for every point
      return {
        score,
        reason: strongestChannel({ byContext, byChange, byShape, bySustained, byFlatline, byRareLevel }),
      }
    },
    state: (): EnsembleState => ({
      contexts: contexts.map((c) => c.toJSON()),
      change: change.toJSON(),
      contextLikelihoods: contextLikelihoods.map((l) => l.toJSON()),
      changeLikelihood: changeLikelihood.toJSON(),
      ...(sustainedLikelihoods.length > 0
        ? { sustainedLikelihoods: sustainedLikelihoods.map((l) => l.toJSON()) }
        : {}),
      lo: Number.isFinite(lo) ? lo : null,
      hi: Number.isFinite(hi) ? hi : null,
      seen,
      recent: [...recent],
      shape: shape.toJSON(),
      ...(flatline ? { flatline: flatline.toJSON() } : {}),
      ...(rareLevel ? { rareLevel: rareLevel.state() } : {}),
    }),
  }
}
