import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isOpskitError } from '@opskit/core'
import { afterAll, describe, expect, it } from 'vitest'
import { createAnomalyDetector, type MlErrorCode, type ModelStore } from '../src/index.js'
import { loadNabCorpus } from '../src/nab/corpus.js'
import { HAS_NAB, NAB_ROOT, NAB_SKIP_NOTE } from './nab-data.js'

const SHORT_FILES = [
  'artificialWithAnomaly/art_daily_jumpsup.csv',
  'realKnownCause/ec2_request_latency_system_failure.csv',
]
const files = HAS_NAB ? await loadNabCorpus(NAB_ROOT, { only: (key) => SHORT_FILES.includes(key) }) : []
const dir = await mkdtemp(join(tmpdir(), 'opskit-ml-'))
afterAll(() => rm(dir, { recursive: true, force: true }))
const isMlErrorWithCode = (code: MlErrorCode) => (error: unknown) => isOpskitError(error, code)

async function scoresOf(
  kind: 'zscore' | 'ensemble',
  timestamps: readonly number[],
  values: readonly number[],
) {
  const detector = await createAnomalyDetector({ kind })
  return values.map((value, i) => detector.update({ timestamp: timestamps[i] as number, value }).score)
}

describe.skipIf(!HAS_NAB).each(['ensemble', 'zscore'] as const)(
  `%s detector on NAB files${NAB_SKIP_NOTE}`,
  (kind) => {
    it.each(SHORT_FILES)('gives a finite score in [0, 1] per point of %s, causally', async (key) => {
      const file = files.find((f) => f.key === key)
      if (!file) throw new Error(`missing ${key}`)
      const full = await scoresOf(kind, file.timestamps, file.values)
      expect(full).toHaveLength(file.values.length)
      for (const s of full) {
        expect(Number.isFinite(s)).toBe(true)
        expect(s).toBeGreaterThanOrEqual(0)
        expect(s).toBeLessThanOrEqual(1)
      }
      const cut = Math.floor(file.values.length * 0.6)
      const prefix = await scoresOf(kind, file.timestamps.slice(0, cut), file.values.slice(0, cut))
      expect(full.slice(0, cut)).toEqual(prefix)
    })

    it('save → load gives identical predictions, through a file and through a custom store', async () => {
      const file = files[0]
      if (!file) throw new Error('no file')
      const half = Math.floor(file.values.length / 2)
      const original = await createAnomalyDetector({ kind })
      for (let i = 0; i < half; i++)
        original.update({ timestamp: file.timestamps[i] as number, value: file.values[i] as number })
      const path = join(dir, `${kind}.json`)
      await original.save(path)
      let stored: string | undefined
      const store: ModelStore = {
        read: async () => stored,
        write: async (doc) => {
          stored = doc
        },
        close: async () => {},
      }
      await original.save(store)
      const fromFile = await createAnomalyDetector.load(path)
      const fromStore = await createAnomalyDetector.load(store)
      for (let i = half; i < file.values.length; i++) {
        const point = { timestamp: file.timestamps[i] as number, value: file.values[i] as number }
        const expected = original.update(point)
        expect(fromFile.update(point)).toEqual(expected)
        expect(fromStore.update(point)).toEqual(expected)
      }
    })

    it('ignores bad points without throwing and without changing its state', async () => {
      const file = files[1]
      if (!file) throw new Error('no file')
      const clean = await createAnomalyDetector({ kind })
      const noisy = await createAnomalyDetector({ kind })
      const n = 1200
      for (let i = 0; i < n; i++) {
        const point = { timestamp: file.timestamps[i] as number, value: file.values[i] as number }
        const expected = clean.update(point)
        if (i % 97 === 5) {
          expect(noisy.update({ timestamp: point.timestamp, value: Number.NaN })).toEqual({
            score: 0,
            isAnomaly: false,
            reason: 'invalid-value',
            model: kind,
          })
          expect(noisy.update({ timestamp: point.timestamp, value: Number.POSITIVE_INFINITY }).reason).toBe(
            'invalid-value',
          )
          expect(noisy.update({ timestamp: Number.NaN, value: 1 }).reason).toBe('invalid-timestamp')
        }
        expect(noisy.update(point)).toEqual(expected)
        if (i % 101 === 7) {
          expect(noisy.update({ timestamp: point.timestamp - 1, value: 1e9 }).reason).toBe('out-of-order')
          expect(noisy.update({ timestamp: new Date(point.timestamp), value: 1e9 }).reason).toBe(
            'out-of-order',
          )
        }
      }
    })

    it('rejects bad fit input and bad options with stable MlError codes', async () => {
      const detector = await createAnomalyDetector({ kind })
      await expect(detector.fit([])).rejects.toSatisfy(isMlErrorWithCode('ML_EMPTY_HISTORY'))
      await expect(
        detector.fit([
          { timestamp: 1, value: 1 },
          { timestamp: 2, value: Number.NaN },
        ]),
      ).rejects.toSatisfy(isMlErrorWithCode('ML_NAN_INPUT'))
      await expect(detector.fit([{ timestamp: 'x', value: 1 }] as never)).rejects.toSatisfy(
        isMlErrorWithCode('ML_INVALID_INPUT'),
      )
      await expect(createAnomalyDetector({ kind, windowSize: -3 })).rejects.toSatisfy(
        isMlErrorWithCode('ML_INVALID_OPTIONS'),
      )
      await expect(createAnomalyDetector.load(join(dir, 'missing.json'))).rejects.toSatisfy(
        isMlErrorWithCode('ML_MODEL_IO_FAILED'),
      )
    })
  },
)

describe.skipIf(!HAS_NAB)(`ensemble detector is causal on every NAB category${NAB_SKIP_NOTE}`, () => {
  it('scores a prefix of the shortest file of each category exactly as inside the whole file', async () => {
    const corpus = await loadNabCorpus(NAB_ROOT)
    const shortest = new Map<string, (typeof corpus)[number]>()
    for (const file of corpus) {
      const category = file.key.split('/')[0] as string
      const current = shortest.get(category)
      if (!current || file.values.length < current.values.length) shortest.set(category, file)
    }
    expect(shortest.size).toBe(7)
    for (const [k, file] of [...shortest.values()].entries()) {
      const full = await scoresOf('ensemble', file.timestamps, file.values)
      const cut = Math.floor(file.values.length * (0.3 + 0.1 * k))
      const prefix = await scoresOf('ensemble', file.timestamps.slice(0, cut), file.values.slice(0, cut))
      expect(prefix, file.key).toEqual(full.slice(0, cut))
    }
  })
})

describe('ensemble detector', () => {
  it('warms up, then flags a value far outside the range seen so far with its reason', async () => {
    const detector = await createAnomalyDetector()
    const start = Date.UTC(2024, 0, 1)
    const first = detector.update({ timestamp: start, value: 10 })
    expect(first).toEqual({ score: 0, isAnomaly: false, reason: 'warming-up', model: 'ensemble' })
    await detector.fit(
      Array.from({ length: 600 }, (_, i) => ({
        timestamp: start + (i + 1) * 60_000,
        value: 10 + Math.sin(i / 8),
      })),
    )
    const normal = detector.update({ timestamp: start + 601 * 60_000, value: 10 + Math.sin(601 / 8) })
    expect(normal.isAnomaly).toBe(false)
    expect(normal.reason).toBe('normal')
    const spike = detector.update({ timestamp: start + 602 * 60_000, value: 40 })
    expect(spike).toEqual({ score: 1, isAnomaly: true, reason: 'out-of-range', model: 'ensemble' })
  })

  it('keeps its memory bounded on a metric that drifts forever', async () => {
    const detector = await createAnomalyDetector()
    for (let i = 0; i < 30_000; i++) detector.update({ timestamp: i * 1000, value: i * 1.5 + Math.sin(i) })
    const state = detector.snapshot().state as { engine: { contexts: { table: unknown[] }[] } }
    for (const context of state.engine.contexts) expect(context.table.length).toBeLessThanOrEqual(4096)
    expect(JSON.stringify(detector.snapshot()).length).toBeLessThan(2_000_000)
  })
})

describe('createAnomalyDetector options, keyed on kind', () => {
  const noisy = (i: number) => ({
    timestamp: Date.UTC(2024, 0, 1) + i * 60_000,
    value: 10 + ((i * 7919) % 13) / 10,
  })

  it('zscore: warmup points are learned before the first score, and the warm-up is kept by save/load', async () => {
    const detector = await createAnomalyDetector({ kind: 'zscore', warmup: 100 })
    const reasons = Array.from({ length: 120 }, (_, i) => detector.update(noisy(i)).reason)
    expect(reasons.slice(0, 100).every((r) => r === 'warming-up')).toBe(true)
    expect(reasons.slice(100).some((r) => r === 'warming-up')).toBe(false)
    const short = await createAnomalyDetector({ kind: 'zscore', warmup: 5 })
    const early = Array.from({ length: 6 }, (_, i) => short.update(noisy(i)).reason)
    expect(early).toEqual(['warming-up', 'warming-up', 'warming-up', 'warming-up', 'warming-up', 'normal'])
    const fresh = await createAnomalyDetector({ kind: 'zscore', warmup: 50 })
    for (let i = 0; i < 10; i++) fresh.update(noisy(i))
    const path = join(dir, 'zscore-warmup.json')
    await fresh.save(path)
    const loaded = await createAnomalyDetector.load(path)
    for (let i = 10; i < 60; i++) expect(loaded.update(noisy(i))).toEqual(fresh.update(noisy(i)))
    expect(loaded.update(noisy(45)).reason).toBe('out-of-order')
  })

  it('rejects unknown keys, negative sizes and options of another kind with ML_INVALID_OPTIONS', async () => {
    for (const bad of [
      { kind: 'zscore', window: -1 },
      { kind: 'zscore', windowSize: -1 },
      { kind: 'zscore', levels: 20 },
      { kind: 'ensemble', stepSize: 10 },
      { kind: 'nope' },
      { warmup: 0 },
      { shapeWindow: 100 },
      { shapeWindow: 8 },
      { shapeFloor: 0 },
      { shapeFloor: 1.5 },
    ]) {
      const error = await createAnomalyDetector(bad as never).catch((e: unknown) => e)
      expect(isOpskitError(error, 'ML_INVALID_OPTIONS'), JSON.stringify(bad)).toBe(true)
      expect((error as Error).message).toMatch(/createAnomalyDetector: \S/)
    }
  })

  it("asks for @opskit/ml/tfjs when the root entry is given kind 'autoencoder'", async () => {
    await expect(createAnomalyDetector({ kind: 'autoencoder' })).rejects.toSatisfy(
      isMlErrorWithCode('ML_BACKEND_UNAVAILABLE'),
    )
  })
})
