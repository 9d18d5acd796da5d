import type { Context } from 'liquidjs'

/** How many of LiquidJS's checks pass between two readings of the clock (a power of two). */
const CHECKS_PER_READING = 32

/**
 * LiquidJS's render-time limit for one render, reading the clock on one check in 32: LiquidJS
 * checks before every node (each loop iteration, each output), and reading `performance.now()`
 * there costs more than a short node. A render still stops within 32 nodes of its deadline.
 */
class RenderDeadline {
  private checks = 0
  private readonly deadline: number

  constructor(limitMs: number) {
    this.deadline = performance.now() + limitMs
  }

  /** Throws once the deadline has passed (LiquidJS turns it into a render error). */
  check(): void {
    this.checks = (this.checks + 1) & (CHECKS_PER_READING - 1)
    if (this.checks === 0 && performance.now() > this.deadline) {
      throw new Error('template render limit exceeded')
    }
  }

  /** Part of LiquidJS's limiter shape; time is not charged, only read. */
  use(): void {}
}

/** A render deadline `limitMs` from now, in the shape LiquidJS's `Context` takes as `renderLimit`. */
export function renderDeadline(limitMs: number): Context['renderLimit'] {
  // LiquidJS declares its TimeLimiter with private fields and does not export it: same shape, other class
  return new RenderDeadline(limitMs) as unknown as Context['renderLimit']
}
