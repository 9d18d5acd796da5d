import { ZSCORE_DEFAULT_WARMUP } from '../validation/detector-options.js'
import type { Engine } from './engine.js'
import { WindowedGaussian, type WindowedGaussianState } from './windowed-gaussian.js'

/**
 * The z-score detector: NAB's Windowed Gaussian. It learns `warmup` points (capped at the window)
 * before its first score.
 */
export function zscoreEngine(o: Record<string, number>, state?: WindowedGaussianState): Engine {
  const gaussian = state
    ? WindowedGaussian.from(state)
    : new WindowedGaussian(o.windowSize as number, o.stepSize as number)
  // Snapshots from before the option existed warmed up for the default.
  const warmup = Math.min(o.warmup ?? ZSCORE_DEFAULT_WARMUP, o.windowSize as number)
  return {
    step(value) {
      const warming = gaussian.size < warmup
      const score = gaussian.step(value)
      if (warming) return { score: 0, reason: 'warming-up' }
      return { score, reason: score >= (o.threshold as number) ? 'gaussian-tail' : 'normal' }
    },
    state: () => gaussian.toJSON(),
  }
}
