import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isOpskitError } from '@opskit/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAnomalyDetector as createPureDetector } from '../src/index.js'
import { createAnomalyDetector, useBestBackend } from '../src/tfjs/index.js'

const start = Date.UTC(2024, 0, 1)
const series = (n: number) =>
  Array.from({ length: n }, (_, i) => ({
    timestamp: start + i * 300_000,
    value: 50 + 10 * Math.sin((2 * Math.PI * i) / 48) + ((i * 7919) % 13) / 13,
  }))

describe('autoencoder detector', () => {
  const dir = { path: '' }
  beforeAll(async () => {
    const backend = await useBestBackend()
    expect(['wasm', 'cpu']).toContain(backend.backend)
    dir.path = await mkdtemp(join(tmpdir(), 'opskit-ml-ae-'))
  })
  afterAll(() => rm(dir.path, { recursive: true, force: true }))

  it('trains in the background, scores every point finitely and retrains as data arrives', async () => {
    const detector = await createAnomalyDetector({
      kind: 'autoencoder',
      trainAfter: 150,
      retrainEvery: 300,
      epochs: 3,
      trainWindows: 300,
    })
    const points = series(1100)
    const results = []
    for (const point of points) {
      results.push(detector.update(point))
      await detector.idle()
    }
    expect(detector.trainings).toBeGreaterThanOrEqual(3)
    expect(results[0]?.reason).toBe('warming-up')
    for (const r of results) {
      expect(Number.isFinite(r.score)).toBe(true)
      expect(r.score).toBeGreaterThanOrEqual(0)
      expect(r.score).toBeLessThanOrEqual(1)
    }
    // The likelihood layer averages the last 10 errors, so a spike peaks a few points later.
    const after = Array.from({ length: 6 }, (_, k) =>
      detector.update({ timestamp: start + (1100 + k) * 300_000, value: k === 0 ? 140 : 50 }),
    )
    expect(Math.max(...after.map((r) => r.score))).toBeGreaterThan(
      Math.max(...results.slice(700).map((r) => r.score)),
    )
    expect(after.some((r) => r.isAnomaly && r.reason === 'reconstruction-error')).toBe(true)
    expect(detector.update({ timestamp: start, value: 1 }).reason).toBe('out-of-order')
    expect(detector.update({ timestamp: start + 1200 * 300_000, value: Number.NaN }).reason).toBe(
      'invalid-value',
    )
  })

  it('save → load continues with identical predictions, without retraining on load', async () => {
    const detector = await createAnomalyDetector({
      kind: 'autoencoder',
      trainAfter: 150,
      retrainEvery: 5000,
      epochs: 3,
    })
    const points = series(800)
    for (const point of points.slice(0, 500)) {
      detector.update(point)
      await (detector as unknown as { idle(): Promise<void> }).idle()
    }
    const path = join(dir.path, 'ae.json')
    await detector.save(path)
    const loaded = await createAnomalyDetector.load(path)
    expect(loaded.kind).toBe('autoencoder')
    for (const point of points.slice(500)) expect(loaded.update(point)).toEqual(detector.update(point))
    await expect(createPureDetector.load(path)).rejects.toSatisfy((e: unknown) =>
      isOpskitError(e, 'ML_BACKEND_UNAVAILABLE'),
    )
  })

  it('rejects bad options and bad history', async () => {
    await expect(createAnomalyDetector({ kind: 'autoencoder', windowSize: 1 })).rejects.toSatisfy(
      (e: unknown) => isOpskitError(e, 'ML_INVALID_OPTIONS'),
    )
    const detector = await createAnomalyDetector({ kind: 'autoencoder' })
    await expect(detector.fit([])).rejects.toSatisfy((e: unknown) => isOpskitError(e, 'ML_EMPTY_HISTORY'))
    await expect(detector.fit([{ timestamp: 1, value: Number.POSITIVE_INFINITY }])).rejects.toSatisfy(
      (e: unknown) => isOpskitError(e, 'ML_NAN_INPUT'),
    )
  })
})
