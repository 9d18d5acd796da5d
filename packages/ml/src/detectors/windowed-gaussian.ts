import { normalTail, RollingWindow, type RollingWindowState } from './stats.js'

/** Serializable state of {@link WindowedGaussian}. */
export interface WindowedGaussianState {
  windowSize: number
  stepSize: number
  window: RollingWindowState
  sinceRefit: number
  mean: number
  std: number
}

/**
 * NAB's "Windowed Gaussian" idea: the score is `1 - P(upper tail)` of the value's distance from
 * the mean of a Gaussian fitted to the last `windowSize` values; once the window is full the fit
 * is refreshed every `stepSize` points.
 */
export class WindowedGaussian {
  private window: RollingWindow
  private sinceRefit = 0
  private mean = 0
  private std = 0

  constructor(
    readonly windowSize: number,
    readonly stepSize: number,
  ) {
    this.window = new RollingWindow(windowSize)
  }

  /** How many values the fit has seen (capped at `windowSize`). */
  get size(): number {
    return this.window.size
  }

  /** Scores `value` against the current fit, then learns it. Result in [0.5, 1], or 0 before any data. */
  step(value: number): number {
    let score = 0
    if (this.window.size > 0) {
      const deviation = Math.abs(value - this.mean)
      score = this.std > 0 ? 1 - normalTail(deviation / this.std) : deviation > 0 ? 1 : 0.5
    }
    const full = this.window.size === this.windowSize
    this.window.push(value)
    this.sinceRefit++
    if (!full || this.sinceRefit >= this.stepSize) {
      if (full) this.window.resync()
      this.mean = this.window.mean()
      this.std = Math.sqrt(this.window.variance())
      this.sinceRefit = 0
    }
    return score
  }

  toJSON(): WindowedGaussianState {
    return {
      windowSize: this.windowSize,
      stepSize: this.stepSize,
      window: this.window.toJSON(),
      sinceRefit: this.sinceRefit,
      mean: this.mean,
      std: this.std,
    }
  }

  static from(state: WindowedGaussianState): WindowedGaussian {
    const g = new WindowedGaussian(state.windowSize, state.stepSize)
    g.window = RollingWindow.from(state.window)
    g.sinceRefit = state.sinceRefit
    g.mean = state.mean
    g.std = state.std
    return g
  }
}
