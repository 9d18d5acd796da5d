import { isOpskitError } from '@opskit/core'
import { mulberry32 } from '@opskit/core/internal'
import { describe, expect, it } from 'vitest'
import { createAnomalyDetector, restoreAnomalyDetector } from '../src/index.js'

describe('ensemble flatline channel', () => {
  const start = Date.UTC(2024, 0, 1)
  const random = mulberry32(11)
  // A metric that idles at exactly 0 for 5–40 points between active stretches of 20–60 points
  // (values 1–21); from point 3000 it stays at 0 for 200 points: a value it has had a thousand
  // times, no new level, no large step — only the length of the stillness is new.
  const values: number[] = []
  while (values.length < 3000) {
    const idle = 5 + Math.floor(random() * 36)
    for (let k = 0; k < idle; k++) values.push(0)
    const active = 20 + Math.floor(random() * 40)
    for (let k = 0; k < active; k++) values.push(Math.round(1 + 20 * random()))
  }
  values.length = 3000
  for (let k = 0; k < 200; k++) values.push(0)
  while (values.length < 3600) values.push(Math.round(1 + 20 * random()))
  const run = async (options: { flatlineRun?: number }) => {
    const detector = await createAnomalyDetector(options)
    return values.map((value, i) => detector.update({ timestamp: start + i * 300_000, value }))
  }

  it('flags a metric that stopped moving for longer than ever, which the other channels miss', async () => {
    const results = await run({ flatlineRun: 64 })
    const flagged = results.flatMap((r, i) => (r.isAnomaly ? [{ i, reason: r.reason }] : []))
    expect(flagged).toEqual([{ i: 3064, reason: 'flatline' }])
    // The ensemble without the channel (the default, flatlineRun 0, as before it existed) stays silent.
    const without = await run({ flatlineRun: 0 })
    expect(without.filter((r) => r.isAnomaly)).toEqual([])
  })

  it('learns long still stretches: a second run of the same length does not alarm', async () => {
    const detector = await createAnomalyDetector({ flatlineRun: 64 })
    const repeated = [...values, ...values.slice(2900, 3300)]
    const flagged = repeated.flatMap((value, i) =>
      detector.update({ timestamp: start + i * 300_000, value }).reason === 'flatline' ? [i] : [],
    )
    expect(flagged).toEqual([3064])
  })

  it('keeps its run across save and load, and rejects a bad flatlineRun', async () => {
    const detector = await createAnomalyDetector({ flatlineRun: 64 })
    for (let i = 0; i < 3030; i++)
      detector.update({ timestamp: start + i * 300_000, value: values[i] as number })
    const snapshot = detector.snapshot()
    expect(snapshot.options).toMatchObject({ flatlineRun: 64 })
    const restored = await restoreAnomalyDetector(snapshot)
    for (let i = 3030; i < 3300; i++) {
      const point = { timestamp: start + i * 300_000, value: values[i] as number }
      expect(restored.update(point)).toEqual(detector.update(point))
    }
    for (const flatlineRun of [-1, 2.5]) {
      const error = await createAnomalyDetector({ flatlineRun }).catch((e: unknown) => e)
      expect(isOpskitError(error, 'ML_INVALID_OPTIONS')).toBe(true)
      expect(String((error as Error).message)).toContain('flatlineRun')
    }
  })
})
