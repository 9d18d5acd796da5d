import { describe, expect, it } from 'vitest'
import { brierScore, createFraudScorer, generateSessions, precisionAtTop, rocAuc } from '../src/index.js'

describe('fraud evaluation metrics', () => {
  it('brierScore is the mean squared error of the probabilities', () => {
    expect(brierScore([1, 0, 0.5, 0.5], [1, 0, 1, 0])).toBeCloseTo(0.125, 12)
    expect(brierScore([0.5, 0.5], [1, 0])).toBeCloseTo(0.25, 12)
    expect(brierScore([], [])).toBeNaN()
  })

  it('precisionAtTop counts the labels among the highest scores', () => {
    const scores = Array.from({ length: 200 }, (_, i) => i / 200)
    const labels = scores.map((_, i) => (i === 199 || i === 150 ? 1 : 0))
    expect(precisionAtTop(scores, labels, 0.01)).toBe(0.5) // top 2: rows 199 and 198
    expect(precisionAtTop(scores, labels, 0.005)).toBe(1) // top 1
  })
})

describe('hard generated sessions', () => {
  it('are seeded, keep the fraud rate, and are harder for the rules than the standard ones', async () => {
    const hard = generateSessions({ count: 4000, seed: 9, difficulty: 'hard' })
    expect(generateSessions({ count: 4000, seed: 9, difficulty: 'hard' })).toEqual(hard)
    const rate = hard.filter((s) => s.fraud).length / hard.length
    expect(rate).toBeGreaterThan(0.06)
    expect(rate).toBeLessThan(0.1)
    const rules = await createFraudScorer()
    const auc = (sessions: typeof hard) =>
      rocAuc(
        sessions.map((s) => rules.score(s.session).score),
        sessions.map((s) => (s.fraud ? 1 : 0)),
      )
    const standard = generateSessions({ count: 4000, seed: 9 })
    expect(auc(hard)).toBeLessThan(auc(standard) - 0.03)
    // Drift: late fraud mimics humans more often than early fraud (fewer rule hits).
    const start = Date.UTC(2025, 0, 1)
    const fraud = hard.filter((s) => s.fraud)
    const early = fraud.filter((s) => (s.session.requests[0] as number) < start + 10 * 86_400_000)
    const late = fraud.filter((s) => (s.session.requests[0] as number) >= start + 20 * 86_400_000)
    const meanRules = (sessions: typeof hard) =>
      sessions.reduce((sum, s) => sum + rules.score(s.session).score, 0) / sessions.length
    expect(meanRules(late)).toBeLessThan(meanRules(early))
  })

  it('adversarial sessions are harder for the rules than hard ones, and humans drift too', async () => {
    const adversarial = generateSessions({ count: 4000, seed: 9, difficulty: 'adversarial' })
    expect(generateSessions({ count: 4000, seed: 9, difficulty: 'adversarial' })).toEqual(adversarial)
    const rate = adversarial.filter((s) => s.fraud).length / adversarial.length
    expect(rate).toBeGreaterThan(0.06)
    expect(rate).toBeLessThan(0.1)
    const rules = await createFraudScorer()
    const auc = (sessions: typeof adversarial) =>
      rocAuc(
        sessions.map((s) => rules.score(s.session).score),
        sessions.map((s) => (s.fraud ? 1 : 0)),
      )
    expect(auc(adversarial)).toBeLessThan(
      auc(generateSessions({ count: 4000, seed: 9, difficulty: 'hard' })) - 0.03,
    )
    // Human drift: group orders (more than 4 tickets) grow from the first ten days to the last ten.
    const start = Date.UTC(2025, 0, 1)
    const humans = adversarial.filter((s) => !s.fraud)
    const bulkShare = (from: number, to: number) => {
      const inRange = humans.filter((s) => {
        const day = ((s.session.requests[0] as number) - start) / 86_400_000
        return day >= from && day < to
      })
      return inRange.filter((s) => (s.session.ticketsRequested ?? 0) > 4).length / inRange.length
    }
    expect(bulkShare(20, 30)).toBeGreaterThan(bulkShare(0, 10) + 0.08)
  })
})
