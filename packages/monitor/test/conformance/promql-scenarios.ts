/**
 * A seeded generator of input series (promtool's expanding notation) for the differential
 * PromQL conformance suite: counters with resets and restarts, integer gauges with NaN, gaps and
 * staleness, classic histogram buckets, an info metric and a series that appears late.
 *
 * Every gauge and counter value is ≡ its series index (mod 4), so no two series tie (topk and
 * bottomk pick the same elements whatever the order), and values are integers, so sums are exact
 * in any order (see the README's note on Prometheus 3's compensated summation).
 */

import { mulberry32 } from '@opskit/core/internal'

/** One input series of a scenario. */
export interface InputSeries {
  series: string
  /** One entry per step: a number, `NaN`, `stale`, or `_` (no sample). */
  values: string[]
}

/** A scenario: a scrape interval and the series scraped at it. */
export interface Scenario {
  name: string
  intervalMs: number
  steps: number
  series: InputSeries[]
}

const INSTANCES = [
  { job: 'api', instance: 'a' },
  { job: 'api', instance: 'b' },
  { job: 'web', instance: 'a' },
  { job: 'web', instance: 'b' },
] as const

const pick = <T>(random: () => number, list: readonly T[]): T => list[Math.floor(random() * list.length)] as T

function counter(random: () => number, index: number, steps: number, restart: boolean): string[] {
  const out: string[] = []
  const lateStart = index === 3 ? 3 + Math.floor(random() * 8) : 0
  // far from zero, so that extrapolation rarely meets the counter's zero (the 2.42/3.x clamp change)
  let value = 400 + index + 4 * Math.floor(random() * 3)
  const stopAt = restart ? Math.floor(steps * (0.4 + random() * 0.2)) : -1
  let down = 0
  for (let step = 0; step < steps; step++) {
    if (step < lateStart) {
      out.push('_')
      continue
    }
    if (step === stopAt) {
      out.push('stale')
      down = 2 + Math.floor(random() * 3)
      value = 400 + index
      continue
    }
    if (down > 0) {
      down--
      out.push('_')
      continue
    }
    if (random() < 0.04) value = index + 4 * Math.floor(random() * 2)
    else value += 4 * Math.floor(random() * 4)
    out.push(String(value))
  }
  return out
}

function gauge(random: () => number, index: number, steps: number, intervalMs: number): string[] {
  const out: string[] = []
  let level = 5 + Math.floor(random() * 10)
  const staleFrom = index === 1 ? Math.floor(steps * 0.55) : -1
  for (let step = 0; step < steps; step++) {
    if (staleFrom >= 0 && step === staleFrom) {
      out.push('stale')
      continue
    }
    if (staleFrom >= 0 && step > staleFrom && step < staleFrom + 4) {
      out.push('_')
      continue
    }
    level = Math.max(-5, Math.min(25, level + Math.floor(random() * 7) - 3))
    // NaN now and then, and always at minute 25 (an evaluation time of the suite)
    if (index === 3 && (random() < 0.05 || step * intervalMs === 25 * 60_000)) out.push('NaN')
    else if (random() < 0.04) out.push('_')
    else out.push(String(4 * level + index))
  }
  return out
}

function histogram(random: () => number, job: string, steps: number): InputSeries[] {
  const bounds = ['0.1', '0.5', '1', '+Inf']
  const counts = [0, 0, 0, 0]
  const values: string[][] = bounds.map(() => [])
  for (let step = 0; step < steps; step++) {
    const observations = Math.floor(random() * 5)
    for (let o = 0; o < observations; o++) {
      const bucket = Math.floor(random() * 4)
      for (let b = bucket; b < 4; b++) counts[b] = (counts[b] as number) + 1
    }
    for (let b = 0; b < bounds.length; b++) values[b]?.push(String(counts[b]))
  }
  return bounds.map((le, b) => ({
    series: `h_bucket{job="${job}", le="${le}"}`,
    values: values[b] as string[],
  }))
}

/** Builds a scenario at `intervalMs` covering about `minutes` minutes. */
export function scenario(seed: number, intervalMs: number, minutes: number): Scenario {
  const random = mulberry32(seed)
  const steps = Math.floor((minutes * 60_000) / intervalMs) + 1
  const series: InputSeries[] = []
  const restarting = pick(random, [0, 1, 2])
  for (const [i, l] of INSTANCES.entries())
    series.push({
      series: `c_total{job="${l.job}", instance="${l.instance}"}`,
      values: counter(random, i, steps, i === restarting),
    })
  for (const [i, l] of INSTANCES.entries())
    series.push({
      series: `g{job="${l.job}", instance="${l.instance}"}`,
      values: gauge(random, i, steps, intervalMs),
    })
  series.push(...histogram(random, 'api', steps), ...histogram(random, 'web', steps))
  series.push({ series: 'info{job="api", owner="ana"}', values: Array(steps).fill('1') })
  series.push({ series: 'info{job="web", owner="bo"}', values: Array(steps).fill('1') })
  const lateFrom = Math.floor(steps / 2)
  series.push({
    series: 'late{job="api"}',
    values: Array.from({ length: steps }, (_, s) => (s < lateFrom ? '_' : String(4 * s))),
  })
  return { name: `seed${seed}-${intervalMs / 1000}s`, intervalMs, steps, series }
}
