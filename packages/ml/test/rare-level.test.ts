import { isOpskitError } from '@opskit/core'
import { mulberry32 } from '@opskit/core/internal'
import { describe, expect, it } from 'vitest'
import { RareLevel } from '../src/detectors/rare-level.js'
import { createAnomalyDetector, restoreAnomalyDetector } from '../src/index.js'

describe('ensemble rare-level channel', () => {
  const start = Date.UTC(2024, 0, 1)
  const random = mulberry32(5)
  // A count metric (tweets per 5 minutes, say): 3–7 most of the time, a one-point spike to 10–40
  // in 3% of the points, and twice a burst of 40 points around 20 (17–23): at 2200 and at 3000.
  // The second burst reaches no new value (the spikes went higher), and its steps and transitions
  // happened before, in the first burst and the spikes: only the level, held for long, is rare.
  const values: number[] = []
  for (let i = 0; i < 4000; i++) {
    let value = Math.round(3 + 4 * random())
    if (random() < 0.03) value = Math.round(10 + 30 * random())
    if ((i >= 2200 && i < 2240) || (i >= 3000 && i < 3040)) value = Math.round(20 + 6 * (random() - 0.5))
    values.push(value)
  }
  const run = async (options: { rareLevelSpan?: number }) => {
    const detector = await createAnomalyDetector(options)
    return values.map((value, i) => detector.update({ timestamp: start + i * 300_000, value }))
  }

  it('flags a return to a level seen once before, which the other channels miss', async () => {
    const inBurst = (results: { isAnomaly: boolean; reason: string }[]) =>
      results.slice(3000, 3060).flatMap((r, k) => (r.isAnomaly ? [{ i: 3000 + k, reason: r.reason }] : []))
    expect(inBurst(await run({ rareLevelSpan: 12 }))).toEqual([{ i: 3014, reason: 'rare-level' }])
    // The ensemble without the channel (the default, rareLevelSpan 0, as before it existed) stays silent there.
    expect(inBurst(await run({}))).toEqual([])
  })

  it('ranks a level by the share of past levels as far out, ignoring lone spikes and new extremes', () => {
    const rare = new RareLevel({ span: 3, warmup: 3, memory: 100 })
    // Levels (medians of 3) 1, 1, 1, ... then a lone spike: the median does not move.
    const raws = [1, 1, 1, 1, 1, 1, 1, 1, 9, 1].map((v) => rare.step(v))
    expect(raws.every((r) => r === 0 || r < 0.5)).toBe(true)
    // A level above every past level is a new extreme: 0 here (the out-of-range check's job).
    expect(rare.step(5)).toBe(0)
    // Back to 1, then to 5 again: seen once among many levels of 1, so rare (the smaller tail).
    for (const v of [5, 1, 1, 1, 1, 1, 1]) rare.step(v)
    rare.step(5)
    expect(rare.step(5)).toBeGreaterThan(0.5)
    // The common level scores low.
    for (const v of [1, 1]) rare.step(v)
    expect(rare.step(1)).toBeLessThan(0.2)
  })

  it('keeps the channel across save and load, and leaves it out when turned off', async () => {
    const detector = await createAnomalyDetector({ rareLevelSpan: 8 })
    for (let i = 0; i < 3010; i++)
      detector.update({ timestamp: start + i * 300_000, value: values[i] as number })
    const snapshot = detector.snapshot()
    expect(snapshot.options).toMatchObject({ rareLevelSpan: 8 })
    expect((snapshot.state as { engine: object }).engine).toHaveProperty('rareLevel')
    const restored = await restoreAnomalyDetector(snapshot)
    for (let i = 3010; i < 3300; i++) {
      const point = { timestamp: start + i * 300_000, value: values[i] as number }
      expect(restored.update(point)).toEqual(detector.update(point))
    }
    const off = await createAnomalyDetector()
    off.update({ timestamp: start, value: 1 })
    expect((off.snapshot().state as { engine: object }).engine).not.toHaveProperty('rareLevel')
  })

  it('is causal: a prefix scores exactly as the same points inside the longer series', async () => {
    const full = (await run({ rareLevelSpan: 12 })).map((r) => r.score)
    const detector = await createAnomalyDetector({ rareLevelSpan: 12 })
    const prefix = values
      .slice(0, 3020)
      .map((value, i) => detector.update({ timestamp: start + i * 300_000, value }).score)
    expect(prefix).toEqual(full.slice(0, 3020))
  })

  it('rejects a bad rareLevelSpan with ML_INVALID_OPTIONS', async () => {
    for (const rareLevelSpan of [-1, 2.5, 5000]) {
      const error = await createAnomalyDetector({ rareLevelSpan }).catch((e: unknown) => e)
      expect(isOpskitError(error, 'ML_INVALID_OPTIONS')).toBe(true)
      expect(String((error as Error).message)).toContain('rareLevelSpan')
    }
  })
})
