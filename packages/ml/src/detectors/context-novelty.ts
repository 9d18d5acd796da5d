import { setBounded } from '@opskit/core/internal'
import { valueRange } from './stats.js'

/** Most contexts a model keeps; a metric that drifts forever would otherwise grow the table forever. */
export const MAX_CONTEXTS = 4096

/** Serializable state of {@link ContextNovelty}. */
export interface ContextNoveltyState {
  order: number
  levels: number
  warmup: number
  warm: number[]
  resolution: number
  recent: number[]
  table: [string, [number, number][]][]
}

/**
 * A sequence-surprise score in the spirit of HTM's raw anomaly score: values are quantised into
 * bins, the last `order` bins form a context, and the score is the share of what this context led
 * to before that was NOT the current bin (or a neighbour). A context never seen scores 1.
 */
export class ContextNovelty {
  private warm: number[] = []
  private resolution = 0
  private recent: number[] = []
  private table = new Map<string, Map<number, number>>()

  constructor(
    readonly order: number,
    readonly levels: number,
    readonly warmup: number,
  ) {}

  /** Scores then learns one value; returns a raw surprise in [0, 1]. */
  step(value: number): number {
    if (this.resolution === 0) {
      this.warm.push(value)
      if (this.warm.length < this.warmup) return 0
      const { lo, hi } = valueRange(this.warm)
      const range = hi - lo
      this.resolution = range > 0 ? range / this.levels : Math.max(Math.abs(hi) * 1e-3, 1e-6)
      const history = this.warm
      this.warm = []
      for (const v of history) this.learn(Math.floor(v / this.resolution))
      return 0
    }
    const bin = Math.floor(value / this.resolution)
    let raw = 1
    if (this.recent.length === this.order) {
      const next = this.table.get(this.recent.join(','))
      if (next) {
        let total = 0
        let hit = 0
        for (const [b, c] of next) {
          total += c
          if (Math.abs(b - bin) <= 1) hit += c
        }
        raw = 1 - hit / total
      }
    }
    this.learn(bin)
    return raw
  }

  private learn(bin: number): void {
    if (this.recent.length === this.order) {
      const key = this.recent.join(',')
      let next = this.table.get(key)
      if (!next) {
        next = new Map()
        // Bound memory on drifting series: forget the oldest context first.
        setBounded(this.table, key, next, MAX_CONTEXTS)
      }
      next.set(bin, (next.get(bin) ?? 0) + 1)
      this.recent.shift()
    }
    this.recent.push(bin)
  }

  toJSON(): ContextNoveltyState {
    return {
      order: this.order,
      levels: this.levels,
      warmup: this.warmup,
      warm: [...this.warm],
      resolution: this.resolution,
      recent: [...this.recent],
      table: [...this.table].map(([k, m]) => [k, [...m]]),
    }
  }

  static from(state: ContextNoveltyState): ContextNovelty {
    const c = new ContextNovelty(state.order, state.levels, state.warmup)
    c.warm = [...state.warm]
    c.resolution = state.resolution
    c.recent = [...state.recent]
    c.table = new Map(state.table.map(([k, m]) => [k, new Map(m)]))
    return c
  }
}
