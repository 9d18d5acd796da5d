/** Serializable state of {@link RareLevel}. */
export interface RareLevelState {
  /** The last `span` values, oldest first. */
  recent: number[]
  /** Past levels (medians), oldest first (at most `memory`). */
  levels: number[]
  /** Values stepped so far. */
  seen: number
  /** Levels ranked since the warm-up ended. */
  ranked: number
}

/** Global parameters of {@link RareLevel}. */
export interface RareLevelOptions {
  /** Values whose median is the current level (a burst shorter than half of it is ignored). */
  readonly span: number
  /** Values stepped before the first score (the levels seen by then are the first reference). */
  readonly warmup: number
  /** Past levels remembered (the most recent ones). */
  readonly memory: number
}

/**
 * How rare is the current level among the levels seen so far (density novelty in the spirit of
 * CAD OSE's context novelty and KNN-CAD's conformal ranks, on one dimension): the level is the
 * median of the last `span` values, so a lone spike does not move it; its rarity is the share of
 * past levels at least as far out on the same side (the smaller tail), as the surprise
 * `-log((beyond + 1) / (n + 1))` over `log(m + 1)`, `m` the levels ranked since the warm-up, at most
 * 1: in the channel's first hours, when ranks are coarse, most levels read as rare, so the
 * likelihood layer above learns a high usual rarity and stays quiet. A level beyond every past level scores 0:
 * new extremes are the out-of-range check's job, and a trend would otherwise score all the time.
 * The raw rarity goes through a likelihood layer, so only a rise above the series' usual rarity
 * stands out: a burst or a shift to a level visited before, but seldom.
 */
export class RareLevel {
  private recent: number[] = []
  /** Past levels in arrival order (a queue: `head` is the oldest still remembered). */
  private order: number[] = []
  private head = 0
  /** The same levels, sorted ascending. */
  private sorted: number[] = []
  private seen = 0
  /** Levels ranked since the warm-up ended (this one included). */
  private ranked = 0

  constructor(readonly options: RareLevelOptions) {}

  /** Scores then learns one value; returns the raw rarity of the current level in [0, 1]. */
  step(value: number): number {
    const { span, warmup, memory } = this.options
    this.seen++
    this.recent.push(value)
    if (this.recent.length > span) this.recent.shift()
    if (this.recent.length < span) return 0
    const level = median(this.recent)
    const n = this.sorted.length
    let rarity = 0
    if (this.seen > warmup && n > 0) {
      this.ranked++
      const atOrAbove = n - lowerBound(this.sorted, level)
      const atOrBelow = upperBound(this.sorted, level)
      const beyond = Math.min(atOrAbove, atOrBelow)
      const surprise = -Math.log((beyond + 1) / (n + 1))
      if (beyond > 0) rarity = Math.min(1, surprise / Math.log(this.ranked + 1))
    }
    this.remember(level, memory)
    return rarity
  }

  private remember(level: number, memory: number): void {
    this.sorted.splice(upperBound(this.sorted, level), 0, level)
    this.order.push(level)
    if (this.order.length - this.head > memory) {
      const oldest = this.order[this.head++] as number
      this.sorted.splice(lowerBound(this.sorted, oldest), 1)
    }
    if (this.head > 1024) {
      this.order = this.order.slice(this.head)
      this.head = 0
    }
  }

  toJSON(): RareLevelState {
    return {
      recent: [...this.recent],
      levels: this.order.slice(this.head),
      seen: this.seen,
      ranked: this.ranked,
    }
  }

  static from(options: RareLevelOptions, state: RareLevelState): RareLevel {
    const r = new RareLevel(options)
    r.recent = [...state.recent]
    r.order = [...state.levels]
    r.sorted = [...state.levels].sort((a, b) => a - b)
    r.seen = state.seen
    r.ranked = state.ranked
    return r
  }
}

/** Median of a short list (copied, then sorted). */
function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  return sorted.length % 2 === 1
    ? (sorted[mid] as number)
    : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** First index whose value is ≥ `x` in an ascending array. */
function lowerBound(sorted: readonly number[], x: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((sorted[mid] as number) < x) lo = mid + 1
    else hi = mid
  }
  return lo
}

/** First index whose value is > `x` in an ascending array. */
function upperBound(sorted: readonly number[], x: number): number {
  let lo = 0
  let hi = sorted.length
  while (lo < hi) {
    const mid = (lo + hi) >> 1
    if ((sorted[mid] as number) <= x) lo = mid + 1
    else hi = mid
  }
  return lo
}
