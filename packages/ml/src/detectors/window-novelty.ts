import { valueRange } from './stats.js'

/** Serializable state of {@link WindowNovelty}. */
export interface WindowNoveltyState {
  warm: number[]
  lo: number
  scale: number
  values: number[]
  pending: number[][]
  memory: number[][]
  next: number
  calibration: number[]
}

/** Features per window: the window is averaged in this many equal blocks. */
export const SHAPE_FEATURES = 8
const FEATURES = SHAPE_FEATURES
/** Past windows remembered (the most recent ones). */
const MEMORY = 1000
/** Past nonconformities the current one is compared with. */
const CALIBRATION = 2000
/** Nonconformities collected before the channel scores. */
const MIN_CALIBRATION = 20

/** Global parameters of {@link WindowNovelty}. */
export interface WindowNoveltyOptions {
  /** Points used to choose the scaling (the warm-up range). */
  readonly warmup: number
  /** Points per window, a multiple of {@link SHAPE_FEATURES}. */
  readonly window: number
  /** Score of a nonconformity just beyond the calibration maximum (it rises to 1 at twice it). */
  readonly floor: number
}

/**
 * Shape novelty over windows, in the spirit of KNN-CAD's conformal scoring over ARTime-like
 * windows: the last `window` values, averaged in 8 blocks and scaled by the warm-up range, form a
 * feature vector; its nonconformity is the distance to the nearest window remembered (windows that
 * overlap the current one are never compared). The score is 0 unless the nonconformity exceeds
 * every one of the last 2,000: then `floor` just beyond that maximum, rising to 1 at twice it.
 */
export class WindowNovelty {
  private warm: number[] = []
  private lo = 0
  private scale = 0
  private values: number[] = []
  private pending: number[][] = []
  /** Remembered windows, FEATURES numbers each, in ring order (`next` is the oldest once full). */
  private memory = new Float64Array(MEMORY * FEATURES)
  private stored = 0
  private next = 0
  /** Slot of the last nearest window: its successor is usually nearest to the next window. */
  private lastNearest = 0
  private calibration = new SlidingMax(CALIBRATION)

  private readonly block: number

  constructor(readonly options: WindowNoveltyOptions) {
    this.block = options.window / FEATURES
  }

  /** Scores then learns one value; returns a score in [0, 1]. */
  step(value: number): number {
    if (this.scale === 0) {
      this.warm.push(value)
      if (this.warm.length < this.options.warmup) return 0
      const { lo, hi } = valueRange(this.warm)
      this.lo = lo
      this.scale = hi > lo ? hi - lo : Math.max(Math.abs(hi), 1)
      const history = this.warm
      this.warm = []
      for (const v of history) this.learn(v)
      return 0
    }
    return this.learn(value)
  }

  private learn(value: number): number {
    const { window, floor } = this.options
    const block = this.block
    this.values.push(value)
    if (this.values.length > window) this.values.shift()
    if (this.values.length < window) return 0
    const features: number[] = []
    for (let start = 0; start < window; start += block) {
      let sum = 0
      for (let i = start; i < start + block; i++) sum += this.values[i] as number
      features.push((sum / block - this.lo) / this.scale)
    }
    let score = 0
    if (this.stored > 0) {
      const distance = this.nearest(features)
      const max = this.calibration.max()
      if (this.calibration.size >= MIN_CALIBRATION && distance > max) {
        score = max === 0 ? 1 : Math.min(1, floor + (1 - floor) * Math.log2(distance / max))
      }
      this.calibration.push(distance)
    }
    // A window joins the memory once it no longer overlaps the current one.
    this.pending.push(features)
    if (this.pending.length > window) {
      this.memory.set(this.pending.shift() as number[], this.next * FEATURES)
      this.next = (this.next + 1) % MEMORY
      this.stored = Math.min(this.stored + 1, MEMORY)
    }
    return score
  }

  /**
   * Distance to the nearest remembered window (exact). The successor of the previous nearest is
   * measured first, so most other windows are abandoned after a feature or two.
   */
  private nearest(features: readonly number[]): number {
    const guess = (this.lastNearest + 1) % this.stored
    let best = this.squaredDistance(features, guess, Number.POSITIVE_INFINITY)
    let nearest = guess
    for (let slot = 0; slot < this.stored; slot++) {
      const d = this.squaredDistance(features, slot, best)
      if (d < best) {
        best = d
        nearest = slot
      }
    }
    this.lastNearest = nearest
    return Math.sqrt(best)
  }

  /** Squared distance to the window in `slot`; stops early once it reaches `bound`. */
  private squaredDistance(features: readonly number[], slot: number, bound: number): number {
    const memory = this.memory
    const offset = slot * FEATURES
    let d = 0
    for (let i = 0; i < FEATURES && d < bound; i++) {
      const diff = (features[i] as number) - (memory[offset + i] as number)
      d += diff * diff
    }
    return d
  }

  toJSON(): WindowNoveltyState {
    return {
      warm: [...this.warm],
      lo: this.lo,
      scale: this.scale,
      values: [...this.values],
      pending: this.pending.map((p) => [...p]),
      memory: Array.from({ length: this.stored }, (_, slot) =>
        Array.from(this.memory.subarray(slot * FEATURES, (slot + 1) * FEATURES)),
      ),
      next: this.next,
      calibration: this.calibration.toArray(),
    }
  }

  static from(options: WindowNoveltyOptions, state: WindowNoveltyState): WindowNovelty {
    const w = new WindowNovelty(options)
    w.warm = [...state.warm]
    w.lo = state.lo
    w.scale = state.scale
    w.values = [...state.values]
    w.pending = state.pending.map((p) => [...p])
    for (const [slot, row] of state.memory.entries()) w.memory.set(row, slot * FEATURES)
    w.stored = state.memory.length
    w.next = state.next
    for (const c of state.calibration) w.calibration.push(c)
    return w
  }
}

/** The maximum of the last `capacity` values pushed (a monotonic queue: amortised O(1)). */
export class SlidingMax {
  private readonly ring: Float64Array
  private count = 0
  private pushed = 0
  /** Indexes (push order) of candidates for the maximum, their values decreasing. */
  private queue: number[] = []
  private head = 0

  constructor(readonly capacity: number) {
    this.ring = new Float64Array(capacity)
  }

  get size(): number {
    return this.count
  }

  push(value: number): void {
    const index = this.pushed++
    this.ring[index % this.capacity] = value
    this.count = Math.min(this.count + 1, this.capacity)
    while (
      this.queue.length > this.head &&
      this.valueAt(this.queue[this.queue.length - 1] as number) <= value
    ) {
      this.queue.pop()
    }
    this.queue.push(index)
    while ((this.queue[this.head] as number) <= index - this.capacity) this.head++
    if (this.head > 1024) {
      this.queue = this.queue.slice(this.head)
      this.head = 0
    }
  }

  max(): number {
    return this.queue.length > this.head ? this.valueAt(this.queue[this.head] as number) : 0
  }

  /** The values held, oldest first. */
  toArray(): number[] {
    const out: number[] = []
    for (let i = this.pushed - this.count; i < this.pushed; i++) out.push(this.valueAt(i))
    return out
  }

  private valueAt(index: number): number {
    return this.ring[index % this.capacity] as number
  }
}
