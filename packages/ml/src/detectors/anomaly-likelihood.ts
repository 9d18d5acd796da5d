import { normalTail, RollingWindow, type RollingWindowState } from './stats.js'

/** Serializable state of {@link AnomalyLikelihood}. */
export interface AnomalyLikelihoodState {
  seen: number
  averaged: RollingWindowState
  history: RollingWindowState
  mean: number
  std: number
  sinceEstimate: number
  previousTail: number
}

const RED = 1 - 0.99999
const YELLOW = 1 - 0.999

/** Parameters of {@link AnomalyLikelihood}; defaults follow HTM's `AnomalyLikelihood`. */
export interface AnomalyLikelihoodOptions {
  learningPeriod: number
  estimationSamples: number
  historicWindowSize: number
  reestimationPeriod: number
  averagingWindow: number
}

/** HTM's defaults for the likelihood layer. */
export const LIKELIHOOD_DEFAULTS: AnomalyLikelihoodOptions = {
  learningPeriod: 288,
  estimationSamples: 100,
  historicWindowSize: 8640,
  reestimationPeriod: 100,
  averagingWindow: 10,
}

/**
 * The "likelihood of errors" layer HTM puts over raw anomaly scores: the short moving average of
 * raw scores is compared with a Gaussian fitted to its own recent history, so a detector that is
 * always somewhat surprised stops alarming and a sudden rise in surprise stands out.
 */
export class AnomalyLikelihood {
  private seen = 0
  private averaged: RollingWindow
  private history: RollingWindow
  private mean = 0
  private std = 1
  private sinceEstimate = 0
  private previousTail = 1

  constructor(readonly options: AnomalyLikelihoodOptions = LIKELIHOOD_DEFAULTS) {
    this.averaged = new RollingWindow(options.averagingWindow)
    this.history = new RollingWindow(options.historicWindowSize)
  }

  /** Feeds one raw score in [0, 1]; returns the likelihood in [0, 1] (0.5 while learning). */
  step(raw: number): number {
    this.averaged.push(raw)
    const average = this.averaged.mean()
    this.seen++
    const { learningPeriod, estimationSamples, reestimationPeriod } = this.options
    if (this.seen > learningPeriod) this.history.push(average)
    if (this.seen < learningPeriod + estimationSamples) return 0.5
    if (this.sinceEstimate === 0 || this.sinceEstimate >= reestimationPeriod) {
      this.history.resync()
      // HTM's lower bounds keep a nearly silent raw score from turning noise into alarms.
      this.mean = Math.max(this.history.mean(), 0.03)
      this.std = Math.sqrt(Math.max(this.history.variance(), 0.0003))
      this.sinceEstimate = 0
    }
    this.sinceEstimate++
    let tail = normalTail(Math.abs(average - this.mean) / this.std)
    // HTM's filter: a red alarm right after a red alarm is demoted to yellow.
    if (tail <= RED && this.previousTail <= RED) {
      this.previousTail = tail
      tail = YELLOW
    } else this.previousTail = tail
    return 1 - tail
  }

  toJSON(): AnomalyLikelihoodState {
    return {
      seen: this.seen,
      averaged: this.averaged.toJSON(),
      history: this.history.toJSON(),
      mean: this.mean,
      std: this.std,
      sinceEstimate: this.sinceEstimate,
      previousTail: this.previousTail,
    }
  }

  static from(options: AnomalyLikelihoodOptions, state: AnomalyLikelihoodState): AnomalyLikelihood {
    const l = new AnomalyLikelihood(options)
    l.seen = state.seen
    l.averaged = RollingWindow.from(state.averaged)
    l.history = RollingWindow.from(state.history)
    l.mean = state.mean
    l.std = state.std
    l.sinceEstimate = state.sinceEstimate
    l.previousTail = state.previousTail
    return l
  }
}

/** HTM's log scaling of a likelihood: 0.99999 → about 0.5, 1 - 1e-10 → 1. */
export function logLikelihood(likelihood: number): number {
  return Math.log(1.0000000001 - likelihood) / -23.02585084720009
}
