import { AnomalyLikelihood, type AnomalyLikelihoodState, logLikelihood } from './anomaly-likelihood.js'
import { ChangeSurprise, type ChangeSurpriseState } from './change-surprise.js'
import { ContextNovelty, type ContextNoveltyState } from './context-novelty.js'
import type { Engine } from './engine.js'
import { Flatline, type FlatlineState } from './flatline.js'
import { WindowNovelty, type WindowNoveltyState } from './window-novelty.js'

/**
 * Temporal non-maximum suppression (as CAD OSE does): a score that does not exceed every score of
 * the previous SUPPRESSION_WINDOW points is scaled by the `suppressionFactor` option.
 */
const SUPPRESSION_WINDOW = 100

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
}

/**
 * The ensemble: an out-of-range check, likelihood layers over three sequence-context models and a
 * change model, slow likelihood layers over the same context models (sustained surprise), a
 * window-shape novelty channel and a flatline channel; the largest score wins, then temporal
 * non-maximum suppression.
 */
export function ensembleEngine(o: Record<string, number>, state?: EnsembleState): Engine {
  const likelihoodOptions = {
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
  const flatline =
    flatlineRun === 0
      ? undefined
      : state?.flatline
        ? Flatline.from(flatlineRun, state.flatline)
        : new Flatline(flatlineRun)
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
      const score = suppress(Math.min(1, Math.max(0, byContext, byChange, byShape, bySustained, byFlatline)))
      if (score < (o.threshold as number)) return { score, reason: 'normal' }
      if (byFlatline === 1) return { score, reason: 'flatline' }
      if (byShape > Math.max(byContext, byChange, bySustained)) return { score, reason: 'unusual-shape' }
      if (bySustained > Math.max(byContext, byChange)) return { score, reason: 'sustained-surprise' }
      return { score, reason: byContext >= byChange ? 'surprising-sequence' : 'unexpected-change' }
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
    }),
  }
}
