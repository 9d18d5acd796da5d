import { mulberry32 } from '@opskit/core/internal'
import { describe, expect, it } from 'vitest'
import { type AnomalyDetectorOptions, createAnomalyDetector } from '../src/index.js'

/** A labelled anomaly: rows `[at, at + length)` are anomalous; a flag up to `LATE` rows after still counts. */
interface Labelled {
  readonly kind: string
  readonly at: number
  readonly length: number
}

const LATE = 100
const STEP_MS = 300_000

/** Sum of three uniforms: a cheap bell-shaped noise with standard deviation 0.5. */
function noise(random: () => number): number {
  return random() + random() + random() - 1.5
}

/**
 * A daily-seasonal series (period 288, amplitude 20, noise sd 1) with five labelled anomalies:
 * a spike, a level shift, a stuck sensor (flat line), a dip against the season and a noise burst.
 */
function seasonalSeries(seed: number): { values: number[]; labels: Labelled[] } {
  const random = mulberry32(seed)
  const labels: Labelled[] = [
    { kind: 'spike', at: 2000, length: 1 },
    { kind: 'level-shift', at: 3000, length: 300 },
    { kind: 'flat-line', at: 4000, length: 200 },
    { kind: 'dip', at: 5000, length: 30 },
    { kind: 'noise-burst', at: 6000, length: 100 },
  ]
  const values: number[] = []
  let stuck = 0
  for (let i = 0; i < 7000; i++) {
    let v = 100 + 20 * Math.sin((2 * Math.PI * i) / 288) + 2 * noise(random)
    const active = labels.find((a) => i >= a.at && i < a.at + a.length)
    if (active?.kind === 'spike') v += 60
    if (active?.kind === 'level-shift') v += 12
    if (active?.kind === 'flat-line') {
      if (i === active.at) stuck = v
      v = stuck
    }
    if (active?.kind === 'dip') v -= 25
    if (active?.kind === 'noise-burst') v += 12 * (random() - 0.5)
    values.push(v)
  }
  return { values, labels }
}

/** A stationary series (mean 100, noise sd 1) with spikes and dips of 25 sd, the z-score detector's domain. */
function stationarySeries(seed: number): { values: number[]; labels: Labelled[] } {
  const random = mulberry32(seed)
  const labels: Labelled[] = [1500, 2500, 3500, 4500].map((at, k) => ({
    kind: k % 2 ? 'dip' : 'spike',
    at,
    length: 1,
  }))
  const values = Array.from({ length: 5000 }, (_, i) => {
    const label = labels.find((a) => a.at === i)
    return 100 + 2 * noise(random) + (label ? (label.kind === 'spike' ? 25 : -25) : 0)
  })
  return { values, labels }
}

/** Runs a fresh detector; returns precision of flagged points and which labels got a flag. */
async function quality(options: AnomalyDetectorOptions, values: number[], labels: Labelled[]) {
  const detector = await createAnomalyDetector(options)
  const flagged: number[] = []
  for (const [i, value] of values.entries()) {
    if (detector.update({ timestamp: i * STEP_MS, value }).isAnomaly) flagged.push(i)
  }
  const labelOf = (i: number) => labels.find((a) => i >= a.at && i < a.at + a.length + LATE)
  const truePositives = flagged.filter((i) => labelOf(i) !== undefined)
  const found = new Set(truePositives.map((i) => labelOf(i) as Labelled))
  return {
    flagged: flagged.length,
    precision: flagged.length === 0 ? 0 : truePositives.length / flagged.length,
    recall: found.size / labels.length,
    found: [...found].map((label) => label.kind),
  }
}

describe('anomaly detection quality on labelled synthetic series', () => {
  it.each([1, 2, 3])(
    'ensemble (defaults): flags the spike, the level shift and the noise burst, with few false alarms (seed %i)',
    async (seed) => {
      const { values, labels } = seasonalSeries(seed)
      const result = await quality({}, values, labels)
      expect(result.precision).toBeGreaterThanOrEqual(0.8)
      // The stuck sensor and the dip against the season are contextual; they may be missed.
      expect(result.recall).toBeGreaterThanOrEqual(0.6)
      for (const kind of ['spike', 'level-shift', 'noise-burst']) expect(result.found).toContain(kind)
    },
  )

  it.each([1, 2, 3])(
    'zscore (defaults): flags every spike and dip and nothing else (seed %i)',
    async (seed) => {
      const { values, labels } = stationarySeries(seed)
      const result = await quality({ kind: 'zscore' }, values, labels)
      expect(result.recall).toBe(1)
      expect(result.precision).toBe(1)
    },
  )
})
