import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { loadNabCorpus, type NabDataFile } from '../src/nab/corpus.js'
import { NAB_PROFILE_NAMES, type NabProfileName } from '../src/nab/profiles.js'
import { probationaryRows, scaledSigmoid, scoreNabCorpus } from '../src/nab/scorer.js'
import { HAS_NAB, NAB_ROOT, NAB_SKIP_NOTE } from './nab-data.js'

const PUBLISHED = ['ARTime', 'numenta', 'windowedGaussian'] as const

interface OfficialScores {
  final_results: Record<NabProfileName, number>
  thresholds: Record<NabProfileName, { threshold: number }>
}

/** Reads a published detector's per-row scores (`results/<det>/<category>/<det>_<name>.csv`). */
async function publishedScores(detector: string, file: NabDataFile): Promise<number[]> {
  const slash = file.key.indexOf('/')
  const path = join(
    NAB_ROOT,
    'results',
    detector,
    file.key.slice(0, slash),
    `${detector}_${file.key.slice(slash + 1)}`,
  )
  const rows = (await readFile(path, 'utf8')).trim().split('\n').slice(1)
  expect(rows.map((row) => row.split(',')[0])).toEqual(file.rawTimestamps)
  return rows.map((row) => Number(row.split(',')[1]))
}
const minute = 60_000
const stamps = Array.from({ length: 100 }, (_, i) => i * minute)
const window = [40 * minute, 49 * minute] as const

function caseScores(detections: number[], probationaryFraction = 0) {
  const scores = stamps.map((_, i) => (detections.includes(i) ? 1 : 0))
  const result = scoreNabCorpus([{ key: 'case.csv', timestamps: stamps, scores, windows: [window] }], {
    probationaryFraction,
    threshold: 0.5,
  })
  return [result.standard?.raw, result.reward_low_FP_rate?.raw, result.reward_low_FN_rate?.raw]
}

describe('NAB scorer', () => {
  it('computes the scaled sigmoid reference values', () => {
    expect(scaledSigmoid(-1)).toBeCloseTo(0.986614, 6)
    expect(scaledSigmoid(-0.5)).toBeCloseTo(0.848284, 6)
    expect(scaledSigmoid(0)).toBe(0)
    expect(scaledSigmoid(3)).toBeCloseTo(-0.999999, 6)
    expect(scaledSigmoid(3.0001)).toBe(-1)
    expect(probationaryRows(100)).toBe(15)
    expect(probationaryRows(22_695)).toBe(750)
  })

  it.each([
    [[], [-1, -1, -2]],
    [[40], [1, 1, 1]],
    [
      [40, 41, 42],
      [1, 1, 1],
    ],
    [[49], [0.248242, 0.248242, 0.248242]],
    [
      [45, 60],
      [0.750279, 0.640766, 0.750279],
    ],
    [[10], [-1.11, -1.22, -2.11]],
    [[50], [-1.029793, -1.059586, -2.029793]],
    [[58], [-1.108528, -1.217055, -2.108528]],
    [[76], [-1.109999, -1.219999, -2.109999]],
  ])('scores detections on rows %j of the hand-checked case', (detections, expected) => {
    const got = caseScores(detections)
    for (const [i, value] of expected.entries()) expect(got[i]).toBeCloseTo(value, 5)
  })

  it('ignores detections in the probationary period', () => {
    expect(caseScores([10], 0.15)).toEqual([-1, -1, -2])
  })

  it('sweeps one threshold that keeps the best detection and drops costly ones', () => {
    const scores = stamps.map((_, i) => (i === 41 ? 0.9 : i === 10 ? 0.95 : i === 60 ? 0.7 : 0))
    const result = scoreNabCorpus([{ key: 'case.csv', timestamps: stamps, scores, windows: [window] }], {
      probationaryFraction: 0,
    })
    // At 0.9 rows 10 and 41 are detected (-0.11 + v(41)); at 0.7 row 60 also costs; at 1.1 nothing.
    const v41 = scaledSigmoid(-9 / 10) / scaledSigmoid(-1)
    expect(result.standard?.threshold).toBe(0.9)
    expect(result.standard?.raw).toBeCloseTo(v41 - 0.11, 9)
    expect(result.standard?.normalised).toBeCloseTo((100 * (v41 - 0.11 + 1)) / 2, 9)
  })
})

describe(`NAB scorer on the real corpus${NAB_SKIP_NOTE}`, () => {
  it.skipIf(!HAS_NAB)(
    'scores the null and the perfect detector on the whole NAB corpus exactly',
    async () => {
      const corpus = await loadNabCorpus(NAB_ROOT)
      expect(corpus).toHaveLength(58)
      expect(corpus.reduce((n, f) => n + f.windows.length, 0)).toBe(116)
      const nullResult = scoreNabCorpus(corpus.map((f) => ({ ...f, scores: f.values.map(() => 0.5) })))
      expect(nullResult.standard).toMatchObject({ raw: -116, rawNull: -116, rawPerfect: 116, normalised: 0 })
      expect(nullResult.reward_low_FP_rate).toMatchObject({ raw: -116, normalised: 0 })
      expect(nullResult.reward_low_FN_rate).toMatchObject({ raw: -232, rawNull: -232, normalised: 0 })
      const perfect = scoreNabCorpus(
        corpus.map((f) => ({
          ...f,
          scores: f.timestamps.map((t) => (f.windows.some(([a]) => a === t) ? 1 : 0)),
        })),
      )
      for (const profile of Object.values(perfect)) expect(profile?.normalised).toBeCloseTo(100, 9)
    },
  )

  it.skipIf(!HAS_NAB)(
    'reproduces the official final scores of ARTime, numenta and windowedGaussian (3 profiles each)',
    async () => {
      const corpus = await loadNabCorpus(NAB_ROOT)
      const official = JSON.parse(
        await readFile(join(NAB_ROOT, 'results', 'official-scores.json'), 'utf8'),
      ) as Record<string, OfficialScores>
      const checked: string[] = []
      for (const detector of PUBLISHED) {
        const files = await Promise.all(
          corpus.map(async (f) => ({ ...f, scores: await publishedScores(detector, f) })),
        )
        const expected = official[detector] as OfficialScores
        for (const profile of NAB_PROFILE_NAMES) {
          const { threshold } = expected.thresholds[profile]
          const got = scoreNabCorpus(files, { profiles: [profile], threshold })[profile]
          const error = Math.abs((got?.normalised ?? Number.NaN) - expected.final_results[profile])
          expect(error, `${detector}/${profile}`).toBeLessThan(0.1)
          checked.push(`${detector}/${profile}`)
        }
      }
      expect(checked).toHaveLength(9)
    },
    120_000,
  )
})
