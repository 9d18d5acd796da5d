/** An axis scale: `ticks` run from `min` to `max` in steps of `step`. */
export interface AxisScale {
  min: number
  max: number
  step: number
  ticks: number[]
}

/** Steps of 1, 2, 2.5 and 5 times a power of ten: the ones people read at a glance. */
const NICE_FRACTIONS = [1, 2, 2.5, 5, 10]

/**
 * An axis over `[low, high]` with at most about `count` intervals of a round step, widened
 * outwards to whole steps, so tick labels read 0, 2k, 4k… instead of 0, 1.71k, 3.42k… A single
 * value gets an axis from it to 0 (`[0, value]` or `[value, 0]`), and 0 alone gets `[0, 1]`.
 */
export function niceScale(low: number, high: number, count = 4): AxisScale {
  let min = Math.min(low, high)
  let max = Math.max(low, high)
  if (min === max) {
    if (max > 0) min = 0
    else if (min < 0) max = 0
    else max = 1
  }
  const rough = (max - min) / count
  const magnitude = 10 ** Math.floor(Math.log10(rough))
  const fraction = NICE_FRACTIONS.find((f) => f * magnitude >= rough) as number
  const step = fraction * magnitude
  const first = Math.floor(min / step + 1e-9)
  const last = Math.ceil(max / step - 1e-9)
  const ticks: number[] = []
  // Multiplying each index avoids the drift of adding a fractional step repeatedly.
  for (let i = first; i <= last; i++) ticks.push(Number((i * step).toPrecision(12)))
  return { min: ticks[0] as number, max: ticks.at(-1) as number, step, ticks }
}
