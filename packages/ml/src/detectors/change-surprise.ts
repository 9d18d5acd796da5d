import { RollingWindow, type RollingWindowState } from './stats.js'

/** Serializable state of {@link ChangeSurprise}. */
export interface ChangeSurpriseState {
  previous: number | null
  errors: RollingWindowState
}

/**
 * Surprise of the step from the previous value: the change is compared with the spread of recent
 * changes, and `tanh(0.8 * |z|)` maps it into [0, 1).
 */
export class ChangeSurprise {
  private previous: number | null = null
  private errors: RollingWindow

  constructor(readonly window: number) {
    this.errors = new RollingWindow(window)
  }

  /** Scores then learns one value. */
  step(value: number): number {
    if (this.previous === null) {
      this.previous = value
      return 0
    }
    const change = value - this.previous
    this.previous = value
    const n = this.errors.size
    const rms = n === 0 ? 0 : Math.sqrt(this.errors.variance() + this.errors.mean() ** 2)
    this.errors.push(change)
    if (rms === 0) return change === 0 ? 0 : 1
    return Math.tanh((0.8 * Math.abs(change)) / rms)
  }

  toJSON(): ChangeSurpriseState {
    return { previous: this.previous, errors: this.errors.toJSON() }
  }

  static from(state: ChangeSurpriseState): ChangeSurprise {
    const c = new ChangeSurprise(state.errors.capacity)
    c.previous = state.previous
    c.errors = RollingWindow.from(state.errors)
    return c
  }
}
