/** Serializable state of {@link Flatline}. */
export interface FlatlineState {
  previous: number | null
  run: number
  longest: number
  fired: boolean
}

/**
 * A metric that stops moving: the current run of identical values (repeats after the first value)
 * scores 1 once, when it reaches `minRun` and is longer than every run seen before it. A metric
 * that sits still for long stretches as a habit learns those stretches and stays quiet; a stuck
 * exporter or a service that went idle for longer than ever before alarms.
 */
export class Flatline {
  private previous: number | null = null
  private run = 0
  private longest = 0
  private fired = false

  constructor(readonly minRun: number) {}

  /** Scores then learns one value; returns 1 when the run first qualifies, else 0. */
  step(value: number): number {
    if (value === this.previous) this.run++
    else {
      this.longest = Math.max(this.longest, this.run)
      this.run = 0
      this.fired = false
    }
    this.previous = value
    if (this.fired || this.run < this.minRun || this.run <= this.longest) return 0
    this.fired = true
    return 1
  }

  toJSON(): FlatlineState {
    return { previous: this.previous, run: this.run, longest: this.longest, fired: this.fired }
  }

  static from(minRun: number, state: FlatlineState): Flatline {
    const f = new Flatline(minRun)
    f.previous = state.previous
    f.run = state.run
    f.longest = state.longest
    f.fired = state.fired
    return f
  }
}
