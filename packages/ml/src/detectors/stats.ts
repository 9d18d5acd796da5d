/** Complementary error function (Numerical Recipes' erfc, fractional error < 1.2e-7). */
export function erfc(x: number): number {
  const z = Math.abs(x)
  const t = 1 / (1 + 0.5 * z)
  const r =
    t *
    Math.exp(
      -z * z -
        1.26551223 +
        t *
          (1.00002368 +
            t *
              (0.37409196 +
                t *
                  (0.09678418 +
                    t *
                      (-0.18628806 +
                        t *
                          (0.27886807 +
                            t * (-1.13520398 + t * (1.48851587 + t * (-0.82215223 + t * 0.17087277)))))))),
    )
  return x >= 0 ? r : 2 - r
}

/** Upper tail probability of a standard normal variable: P(Z > z). */
export function normalTail(z: number): number {
  return 0.5 * erfc(z / Math.SQRT2)
}

/** Serializable state of a {@link RollingWindow}. */
export interface RollingWindowState {
  capacity: number
  values: number[]
  sum?: number
  sumSq?: number
  ref?: number | null
}

/** A fixed-capacity ring buffer of numbers with O(1) running sum and sum of squares. */
export class RollingWindow {
  private readonly buffer: Float64Array
  private start = 0
  private count = 0
  private sum = 0
  private sumSq = 0
  /** Values are summed relative to the first one to limit cancellation on large magnitudes. */
  private ref = Number.NaN

  constructor(readonly capacity: number) {
    this.buffer = new Float64Array(capacity)
  }

  get size(): number {
    return this.count
  }

  push(value: number): void {
    if (Number.isNaN(this.ref)) this.ref = value
    if (this.count === this.capacity) {
      const old = (this.buffer[this.start] as number) - this.ref
      this.sum -= old
      this.sumSq -= old * old
      this.buffer[this.start] = value
      this.start = (this.start + 1) % this.capacity
    } else {
      this.buffer[(this.start + this.count) % this.capacity] = value
      this.count++
    }
    const shifted = value - this.ref
    this.sum += shifted
    this.sumSq += shifted * shifted
  }

  mean(): number {
    return this.count === 0 ? 0 : this.ref + this.sum / this.count
  }

  variance(): number {
    if (this.count < 2) return 0
    const m = this.sum / this.count
    return Math.max(0, this.sumSq / this.count - m * m)
  }

  values(): number[] {
    const out: number[] = []
    for (let i = 0; i < this.count; i++) out.push(this.buffer[(this.start + i) % this.capacity] as number)
    return out
  }

  /** Re-computes the sums from the stored values to shed floating-point drift. */
  resync(): void {
    this.sum = 0
    this.sumSq = 0
    if (this.count > 0) this.ref = this.buffer[this.start] as number
    for (let i = 0; i < this.count; i++) {
      const v = (this.buffer[(this.start + i) % this.capacity] as number) - this.ref
      this.sum += v
      this.sumSq += v * v
    }
  }

  toJSON(): RollingWindowState {
    return { capacity: this.capacity, values: this.values(), sum: this.sum, sumSq: this.sumSq, ref: this.ref }
  }

  /** Restores a window exactly, running sums included, so restored detectors score bit-for-bit alike. */
  static from(state: RollingWindowState): RollingWindow {
    const w = new RollingWindow(state.capacity)
    for (const v of state.values) w.push(v)
    if (
      state.sum !== undefined &&
      state.sumSq !== undefined &&
      state.ref !== undefined &&
      state.ref !== null
    ) {
      w.sum = state.sum
      w.sumSq = state.sumSq
      w.ref = state.ref
    }
    return w
  }
}

/** The smallest and largest of `values` (the warm-up range the quantising channels scale by). */
export function valueRange(values: readonly number[]): { lo: number; hi: number } {
  let lo = Number.POSITIVE_INFINITY
  let hi = Number.NEGATIVE_INFINITY
  for (const v of values) {
    lo = Math.min(lo, v)
    hi = Math.max(hi, v)
  }
  return { lo, hi }
}
