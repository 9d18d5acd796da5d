import { isOpskitError } from '@opskit/core'
import { mulberry32 } from '@opskit/core/internal'
import { describe, expect, it } from 'vitest'
import { createAnomalyDetector, restoreAnomalyDetector } from '../src/index.js'

describe('ensemble slow likelihood layers (sustained surprise)', () => {
  const start = Date.UTC(2024, 0, 1)
  const random = mulberry32(7)
  const noise = () => random() + random() + random() - 1.5
  // A 48-point cycle with a little noise; for 150 points (3000–3149) the noise doubles. Every value
  // stays near the range seen so far and no single step stands out: only the lasting rise in
  // surprise is unusual.
  const values = Array.from(
    { length: 4000 },
    (_, i) => 10 * Math.sin((2 * Math.PI * i) / 48) + (i >= 3000 && i < 3150 ? 2 : 1) * noise(),
  )
  const run = async (options: { sustainedWindow?: number }) => {
    const detector = await createAnomalyDetector(options)
    return values.map((value, i) => detector.update({ timestamp: start + i * 300_000, value }))
  }

  it('flags noise that grows inside the usual range, which the fast layers alone miss', async () => {
    const withSlow = await run({})
    const inside = withSlow.slice(3000, 3150)
    expect(inside.some((r) => r.isAnomaly && r.reason === 'sustained-surprise')).toBe(true)
    const outside = [...withSlow.slice(500, 3000), ...withSlow.slice(3300)]
    expect(outside.filter((r) => r.isAnomaly)).toEqual([])
    // The ensemble without the slow layers (sustainedWindow 0, as before they existed) stays silent.
    const without = await run({ sustainedWindow: 0 })
    expect(without.filter((r) => r.isAnomaly)).toEqual([])
  })

  it('keeps the slow layers across save and load, and leaves them out when turned off', async () => {
    const detector = await createAnomalyDetector({ sustainedWindow: 40 })
    for (let i = 0; i < 3050; i++)
      detector.update({ timestamp: start + i * 300_000, value: values[i] as number })
    const snapshot = detector.snapshot()
    expect(snapshot.options).toMatchObject({ sustainedWindow: 40 })
    const engine = (snapshot.state as { engine: { sustainedLikelihoods?: unknown[] } }).engine
    expect(engine.sustainedLikelihoods).toHaveLength(3)
    const restored = await restoreAnomalyDetector(snapshot)
    for (let i = 3050; i < 3300; i++) {
      const point = { timestamp: start + i * 300_000, value: values[i] as number }
      expect(restored.update(point)).toEqual(detector.update(point))
    }
    const off = await createAnomalyDetector({ sustainedWindow: 0 })
    off.update({ timestamp: start, value: 1 })
    expect((off.snapshot().state as { engine: object }).engine).not.toHaveProperty('sustainedLikelihoods')
  })

  it('rejects a bad sustainedWindow with ML_INVALID_OPTIONS', async () => {
    for (const sustainedWindow of [-1, 1.5, 5000]) {
      const error = await createAnomalyDetector({ sustainedWindow }).catch((e: unknown) => e)
      expect(isOpskitError(error, 'ML_INVALID_OPTIONS')).toBe(true)
      expect(String((error as Error).message)).toContain('sustainedWindow')
    }
  })
})
