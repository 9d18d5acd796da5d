import { describe, expect, it } from 'vitest'
import type { AnomalyDetector, AnomalyResult, DataPoint } from '../../detectors/anomaly-detector-types.js'
import type { ModelIO } from '../../store/model-store.js'
import { createMemoryModelStore } from '../memory-model-store.js'

/** Options of {@link runAnomalyDetectorConformance}. */
export interface AnomalyDetectorConformanceOptions {
  /** Suite name, e.g. `ensemble`. */
  readonly name: string
  /** Returns a fresh detector. */
  readonly create: () => Promise<AnomalyDetector>
  /** Restores a saved detector (e.g. `createAnomalyDetector.load`). */
  readonly load: (io: ModelIO) => Promise<AnomalyDetector>
  /** Points in the generated series. @default 1500 */
  readonly points?: number
}

/** A seeded daily-seasonal series with noise and one spike near the end. */
export function conformanceSeries(count: number): DataPoint[] {
  let seed = 12345
  const random = () => {
    seed = (seed * 1103515245 + 12345) % 2147483648
    return seed / 2147483648
  }
  const start = Date.UTC(2024, 0, 1)
  return Array.from({ length: count }, (_, i) => ({
    timestamp: start + i * 300_000,
    value: 100 + 20 * Math.sin((2 * Math.PI * i) / 288) + 3 * (random() - 0.5) + (i === count - 50 ? 120 : 0),
  }))
}

async function feed(detector: AnomalyDetector, points: readonly DataPoint[]): Promise<AnomalyResult[]> {
  const idle = (detector as { idle?: () => Promise<void> }).idle
  const out: AnomalyResult[] = []
  for (const point of points) {
    out.push(detector.update(point))
    if (idle) await idle.call(detector)
  }
  return out
}

/**
 * The behaviour every {@link AnomalyDetector} must have: a finite score in [0, 1] per point,
 * causality (a prefix scores the same alone as inside the full series), bad points ignored without
 * throwing or changing state, save → load continuing with identical results, and a clear spike
 * scoring above the 99th percentile of the series' typical scores.
 */
export function runAnomalyDetectorConformance(options: AnomalyDetectorConformanceOptions): void {
  const series = conformanceSeries(options.points ?? 1500)

  describe(`AnomalyDetector conformance: ${options.name}`, () => {
    it('scores every point in [0, 1], causally', async () => {
      const detector = await options.create()
      const full = await feed(detector, series)
      for (const r of full) {
        expect(Number.isFinite(r.score)).toBe(true)
        expect(r.score).toBeGreaterThanOrEqual(0)
        expect(r.score).toBeLessThanOrEqual(1)
        expect(r.isAnomaly).toBe(r.score >= detector.threshold)
      }
      const cut = Math.floor(series.length * 0.7)
      const prefix = await feed(await options.create(), series.slice(0, cut))
      expect(full.slice(0, cut)).toEqual(prefix)
    })

    it('scores the spike above the 99th percentile of typical points', async () => {
      const results = await feed(await options.create(), series)
      const spikeAt = series.length - 50
      // Detectors that average recent errors peak a few points after the spike.
      const around = Math.max(...results.slice(spikeAt, spikeAt + 20).map((r) => r.score))
      const typical = results
        .slice(series.length / 2, spikeAt)
        .map((r) => r.score)
        .sort((a, b) => a - b)
      expect(around).toBeGreaterThan(typical[Math.floor(typical.length * 0.99)] as number)
    })

    it('ignores NaN, infinite, invalid-timestamp and out-of-order points without changing state', async () => {
      const clean = await options.create()
      const noisy = await options.create()
      const part = series.slice(0, 700)
      const expected = await feed(clean, part)
      const idle = (noisy as { idle?: () => Promise<void> }).idle
      for (const [i, point] of part.entries()) {
        if (i % 50 === 3) {
          expect(noisy.update({ timestamp: point.timestamp, value: Number.NaN }).reason).toBe('invalid-value')
          expect(noisy.update({ timestamp: point.timestamp, value: Number.NEGATIVE_INFINITY }).reason).toBe(
            'invalid-value',
          )
          expect(noisy.update({ timestamp: Number.NaN, value: 1 }).reason).toBe('invalid-timestamp')
        }
        expect(noisy.update(point)).toEqual(expected[i])
        if (idle) await idle.call(noisy)
        if (i % 50 === 7)
          expect(noisy.update({ timestamp: point.timestamp, value: 5 }).reason).toBe('out-of-order')
      }
    })

    it('continues identically after save → load', async () => {
      const original = await options.create()
      const half = Math.floor(series.length / 2)
      await feed(original, series.slice(0, half))
      const store = createMemoryModelStore()
      await original.save(store)
      const restored = await options.load(store)
      expect(restored.kind).toBe(original.kind)
      expect(restored.threshold).toBe(original.threshold)
      const rest = series.slice(half, half + 300)
      expect(await feed(restored, rest)).toEqual(await feed(original, rest))
    })
  })
}
