import { mkdtemp, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isOpskitError } from '@opskit/core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createFraudScorer,
  evaluateRules,
  type FraudModel,
  type FraudSession,
  generateSessions,
  type MlErrorCode,
  rocAuc,
} from '../src/index.js'
import { createFraudNetwork, loadFraudScorer, useBestBackend } from '../src/tfjs/index.js'

const isMlError = (code: MlErrorCode) => (error: unknown) => isOpskitError(error, code)
const CHROME =
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36'
const t0 = Date.UTC(2025, 0, 1)
const humanRequests = [0, 7_300, 15_100, 31_000, 33_900, 52_000, 80_400].map((x) => t0 + x)
const human: FraudSession = {
  userAgent: CHROME,
  requests: humanRequests,
  paymentMethods: 1,
  ticketsRequested: 2,
  locations: [
    { timestamp: t0, lat: 52.52, lon: 13.405 },
    { timestamp: t0 + 80_000, lat: 52.53, lon: 13.41 },
  ],
  pointerEvents: 120,
  keystrokeIntervalsMs: [140, 210, 95, 180, 160, 130],
}
const codes = (session: FraudSession) =>
  evaluateRules(session)
    .reasons.map((r) => r.code)
    .sort()

describe('fraud rules', () => {
  it('stay silent on an ordinary customer', async () => {
    expect(codes(human)).toEqual([])
    const scorer = await createFraudScorer()
    expect(scorer.score(human)).toEqual({ score: 0, risk: 'low', reasons: [] })
  })

  it.each([
    ['RAPID_REQUESTS', { requests: Array.from({ length: 70 }, (_, i) => t0 + i * 700 + (i % 3) * 90) }],
    ['MANY_PAYMENT_METHODS', { paymentMethods: 4 }],
    ['BULK_TICKETS', { ticketsRequested: 11 }],
    [
      'GEO_JUMP',
      {
        locations: [
          { timestamp: t0, lat: 52.52, lon: 13.405 },
          { timestamp: t0 + 40 * 60_000, lat: 40.71, lon: -74.0 },
        ],
      },
    ],
    ['MACHINE_REGULAR_TIMING', { requests: Array.from({ length: 12 }, (_, i) => t0 + i * 2_000) }],
    [
      'BOT_USER_AGENT',
      { userAgent: 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)' },
    ],
    ['NO_POINTER_EVENTS', { pointerEvents: 0 }],
    ['INHUMAN_TYPING', { keystrokeIntervalsMs: [4, 5, 3, 6, 4, 5] }],
    ['SHORT_SESSION', { requests: [t0, t0 + 1_000, t0 + 3_000] }],
  ] as const)('%s fires on its own, with a detail', (code, change) => {
    const result = evaluateRules({ ...human, ...change })
    expect(result.reasons.map((r) => r.code)).toEqual([code])
    expect(result.reasons[0]?.detail).toMatch(/\S/)
    expect(result.score).toBeCloseTo(result.reasons[0]?.weight ?? -1, 12)
  })

  it('do not fire at the limits themselves', () => {
    expect(codes({ ...human, paymentMethods: 3, ticketsRequested: 10 })).toEqual([])
    const geo = [
      { timestamp: t0, lat: 52.52, lon: 13.405 },
      { timestamp: t0 + 2 * 3_600_000, lat: 40.71, lon: -74.0 },
    ]
    expect(codes({ ...human, locations: geo })).toEqual([])
  })

  it('combine several reasons into a higher score, strongest first', async () => {
    const scorer = await createFraudScorer()
    const result = scorer.score({
      ...human,
      userAgent: 'python-requests/2.31.0',
      paymentMethods: 5,
      pointerEvents: 0,
    })
    expect(result.reasons.map((r) => r.code)).toEqual([
      'BOT_USER_AGENT',
      'MANY_PAYMENT_METHODS',
      'NO_POINTER_EVENTS',
    ])
    expect(result.score).toBeCloseTo(1 - 0.5 * 0.7 * 0.8, 12)
    expect(result.risk).toBe('high')
  })
})

describe('fraud scorer with the tfjs network', () => {
  const dir = { path: '' }
  beforeAll(async () => {
    await useBestBackend()
    dir.path = await mkdtemp(join(tmpdir(), 'opskit-ml-fraud-'))
  })
  afterAll(() => rm(dir.path, { recursive: true, force: true }))

  it('training raises held-out AUC above the rules alone; save → load predicts identically', async () => {
    const sessions = generateSessions({ count: 1500, seed: 11 })
    const scorer = await createFraudScorer({ model: await createFraudNetwork() })
    expect(scorer.trained).toBe(false)
    const report = await scorer.train(sessions, { validationSplit: 0.3, epochs: 15, seed: 3 })
    expect(scorer.trained).toBe(true)
    expect(report.validationSize).toBe(450)
    expect(report.fraudRate).toBeGreaterThan(0.04)
    expect(report.fraudRate).toBeLessThan(0.12)
    expect(report.auc).toBeGreaterThan(report.aucRules + 0.05)
    expect(report.aucModel).toBeGreaterThan(report.aucRules)

    const fresh = generateSessions({ count: 400, seed: 99 })
    const scores = fresh.map((s) => scorer.score(s.session).score)
    const rules = fresh.map((s) => evaluateRules(s.session).score)
    const labels = fresh.map((s) => (s.fraud ? 1 : 0))
    expect(rocAuc(scores, labels)).toBeGreaterThan(rocAuc(rules, labels))
    expect(scorer.score(fresh[0]?.session ?? human).reasons.some((r) => r.code === 'MODEL')).toBe(true)

    const path = join(dir.path, 'fraud.json')
    await scorer.save(path)
    const loaded = await loadFraudScorer(path)
    for (const s of fresh.slice(0, 50)) expect(loaded.score(s.session)).toEqual(scorer.score(s.session))
  })

  it('rejects bad use with stable MlError codes', async () => {
    const rulesOnly = await createFraudScorer()
    await expect(rulesOnly.train(generateSessions({ count: 20 }))).rejects.toSatisfy(
      isMlError('ML_NOT_TRAINED'),
    )
    const scorer = await createFraudScorer({ model: await createFraudNetwork() })
    await expect(scorer.train([])).rejects.toSatisfy(isMlError('ML_EMPTY_HISTORY'))
    await expect(scorer.save(join(dir.path, 'x.json'))).rejects.toSatisfy(isMlError('ML_NOT_TRAINED'))
    expect(() => scorer.score({ userAgent: 1 } as never)).toThrow(
      expect.objectContaining({ code: 'ML_INVALID_INPUT' }),
    )
    const wrong: FraudModel = { ...(await createFraudNetwork()), featureCount: 3 }
    await expect(createFraudScorer({ model: wrong })).rejects.toSatisfy(
      isMlError('ML_FEATURE_LENGTH_MISMATCH'),
    )
    const network = await createFraudNetwork()
    expect(() => network.predict([[1, 2]])).toThrow(expect.objectContaining({ code: 'ML_NOT_TRAINED' }))
    await network.fit([[0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]], [0], {
      epochs: 1,
      classWeight: { 0: 1, 1: 1 },
      seed: 1,
    })
    expect(() => network.predict([[1, 2]])).toThrow(
      expect.objectContaining({ code: 'ML_FEATURE_LENGTH_MISMATCH' }),
    )
  })
})
