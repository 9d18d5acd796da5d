import { describe, expect, it } from 'vitest'
import { crossValidateNab, splitNabFiles } from '../src/nab/cross-validate.js'

const minute = 60_000
/** A 200-row file with one labelled window on rows 100..119. */
function file(key: string) {
  const timestamps = Array.from({ length: 200 }, (_, i) => i * minute)
  return { key, timestamps, windows: [[100 * minute, 119 * minute] as const] }
}
const files = [
  ...['a', 'b', 'c', 'd', 'e'].map((n) => file(`catA/${n}.csv`)),
  ...['f', 'g', 'h'].map((n) => file(`catB/${n}.csv`)),
  ...['i', 'j'].map((n) => file(`catC/${n}.csv`)),
]
const detectsWindow = () => Array.from({ length: 200 }, (_, i) => (i === 100 ? 1 : 0))
const silent = () => Array.from({ length: 200 }, () => 0)
const category = (key: string) => key.split('/')[0]

describe('NAB two-fold cross-validation', () => {
  it('splits each category evenly between the halves, the same way for the same seed', () => {
    const [first, second] = splitNabFiles(files, 7)
    expect(first.length + second.length).toBe(files.length)
    expect(Math.abs(first.length - second.length)).toBeLessThanOrEqual(1)
    for (const cat of ['catA', 'catB', 'catC']) {
      const a = first.filter((f) => category(f.key) === cat).length
      const b = second.filter((f) => category(f.key) === cat).length
      expect(Math.abs(a - b)).toBeLessThanOrEqual(1)
    }
    expect(splitNabFiles(files, 7)).toEqual([first, second])
    const seeds = [1, 2, 3, 4, 5].map((seed) =>
      JSON.stringify(splitNabFiles(files, seed)[0].map((f) => f.key)),
    )
    expect(new Set(seeds).size).toBeGreaterThan(1)
  })

  it('chooses on the train half and scores the held-out half at the train thresholds', () => {
    const [first] = splitNabFiles(files, 3)
    const inFirst = new Set(first.map((f) => f.key))
    // "overfit" is perfect on the first half only; "honest" is perfect everywhere but listed later.
    const overfit = files.map((f) => (inFirst.has(f.key) ? detectsWindow() : silent()))
    const honest = files.map(() => detectsWindow())
    const cv = crossValidateNab(
      files,
      [
        { params: 'overfit', scores: overfit },
        { params: 'honest', scores: honest },
      ],
      3,
    )
    const [fold1, fold2] = cv.folds
    // Fold 1 trains on the first half, where both are perfect: the tie keeps the first (overfit),
    // and the held-out half exposes it (it misses every window there: 0).
    expect(fold1.train).toEqual(files.filter((f) => inFirst.has(f.key)).map((f) => f.key))
    expect(fold1.chosen).toBe('overfit')
    expect(fold1.trainScore.standard).toBeCloseTo(100, 9)
    expect(fold1.testScore.standard).toBeCloseTo(0, 9)
    expect(fold2.chosen).toBe('honest')
    expect(fold2.testScore.standard).toBeCloseTo(100, 9)
    expect(cv.mean.standard).toBeCloseTo(50, 9)
    expect(() => crossValidateNab(files, [])).toThrow(expect.objectContaining({ code: 'ML_INVALID_INPUT' }))
  })
})
