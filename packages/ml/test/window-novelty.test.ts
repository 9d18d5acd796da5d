import { mulberry32 } from '@opskit/core/internal'
import { describe, expect, it } from 'vitest'
import { SlidingMax } from '../src/detectors/window-novelty.js'
import { createAnomalyDetector, restoreAnomalyDetector } from '../src/index.js'

describe('ensemble shape channel', () => {
  const start = Date.UTC(2024, 0, 1)
  const random = mulberry32(7)
  // A daily-like cycle of 100 points; from point 3000 on it stays flat at its middle value,
  // inside the range seen so far (no out-of-range alarm, no large step).
  const values = Array.from({ length: 3400 }, (_, i) =>
    i >= 3000 && i < 3300 ? 0.01 * random() : Math.sin((2 * Math.PI * i) / 100) + 0.01 * random(),
  )

  it('flags a cycle that goes flat inside the usual range, as an unusual shape', async () => {
    const detector = await createAnomalyDetector()
    const results = values.map((value, i) => detector.update({ timestamp: start + i * 300_000, value }))
    const inFlat = results.slice(3000, 3300)
    expect(inFlat.some((r) => r.isAnomaly && r.reason === 'unusual-shape')).toBe(true)
    const before = results.slice(1000, 3000).filter((r) => r.isAnomaly)
    expect(before.length).toBeLessThanOrEqual(2)
  })

  it('judges the shape over shapeWindow points, and a restored detector keeps that window', async () => {
    const detector = await createAnomalyDetector({ shapeWindow: 64, shapeFloor: 0.9 })
    for (let i = 0; i < 3100; i++)
      detector.update({ timestamp: start + i * 300_000, value: values[i] as number })
    const snapshot = detector.snapshot()
    expect(snapshot.options).toMatchObject({ shapeWindow: 64, shapeFloor: 0.9 })
    const shape = (snapshot.state as { engine: { shape: { values: number[]; pending: number[][] } } }).engine
      .shape
    expect(shape.values).toHaveLength(64)
    expect(shape.pending).toHaveLength(64)
    const restored = await restoreAnomalyDetector(snapshot)
    for (let i = 3100; i < 3400; i++) {
      const point = { timestamp: start + i * 300_000, value: values[i] as number }
      expect(restored.update(point)).toEqual(detector.update(point))
    }
  })

  it('keeps the maximum of the last values exactly (monotonic queue against brute force)', () => {
    const max = new SlidingMax(50)
    const seen: number[] = []
    const next = mulberry32(3)
    for (let i = 0; i < 5000; i++) {
      const v = Math.floor(next() * 100)
      max.push(v)
      seen.push(v)
      expect(max.max()).toBe(Math.max(...seen.slice(-50)))
    }
    expect(max.toArray()).toEqual(seen.slice(-50))
  })
})
