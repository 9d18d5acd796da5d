import { createFakeClock, createMemoryLogger } from '@opskit/core/testing'
import { beforeAll, describe, expect, it } from 'vitest'
import type { AnomalyResult } from '../src/index.js'
import { type AutoencoderTrainer, buildAutoencoderDetector } from '../src/tfjs/autoencoder-detector.js'
import { trainAutoencoderHere } from '../src/tfjs/autoencoder-training.js'
import { useBestBackend } from '../src/tfjs/index.js'
import type { TrainedEvent, TrainingFailedEvent } from '../src/tfjs/training-supervisor.js'

const start = Date.UTC(2024, 0, 1)
const STEP_MS = 10_000
const value = (i: number) => 50 + 10 * Math.sin((2 * Math.PI * i) / 48) + ((i * 7919) % 13) / 13

beforeAll(async () => {
  await useBestBackend()
})

describe('autoencoder detector: graceful degradation', () => {
  it('scores with the z-score fallback while warming up and while training fails, reports each failure once and retries with backoff', async () => {
    const clock = createFakeClock(start)
    const logger = createMemoryLogger()
    let calls = 0
    // Trainings 1, 2 and 4 fail for real (the trainer throws); 3 and 5 train the network.
    const trainer: AutoencoderTrainer = async (rows, options) => {
      calls++
      if ([1, 2, 4].includes(calls)) throw new Error(`backend lost (training ${calls})`)
      return trainAutoencoderHere(rows, options)
    }
    const detector = await buildAutoencoderDetector(
      {
        kind: 'autoencoder',
        trainAfter: 150,
        retrainEvery: 150,
        epochs: 2,
        trainWindows: 200,
        retryBaseMs: 60_000,
        logger,
        clock,
      },
      undefined,
      trainer,
    )
    const failed: TrainingFailedEvent[] = []
    const trained: TrainedEvent[] = []
    detector.on('training-failed', (event) => failed.push(event))
    const unsubscribe = detector.on('trained', (event) => trained.push(event))
    const results: AnomalyResult[] = []
    const callsAt: number[] = []
    for (let i = 0; i < 420; i++) {
      await clock.advance(STEP_MS)
      results.push(detector.update({ timestamp: clock.now(), value: i === 100 ? 140 : value(i) }))
      await detector.idle()
      callsAt.push(calls)
    }

    // Warming up: the z-score detector scores, and it flags the spike.
    expect(results.slice(0, 150).every((r) => r.model === 'zscore')).toBe(true)
    expect(results[100]).toMatchObject({ isAnomaly: true, reason: 'gaussian-tail', model: 'zscore' })
    expect(results.slice(120, 150).every((r) => !r.isAnomaly)).toBe(true)

    // First training at point 150 fails; no retry on the next points, but after 60 s (6 points).
    expect(callsAt[149]).toBe(1)
    expect(callsAt[154]).toBe(1)
    expect(callsAt[155]).toBe(2)
    // Second failure doubles the backoff: 120 s (12 points), then training 3 succeeds.
    expect(callsAt[166]).toBe(2)
    expect(callsAt[167]).toBe(3)
    expect(results.slice(150, 167).every((r) => r.model === 'zscore')).toBe(true)
    expect(results.slice(168, 318).every((r) => r.model === 'autoencoder')).toBe(true)

    // The retraining 150 points later fails: back to the fallback until a retry succeeds.
    expect(callsAt[316]).toBe(3)
    expect(callsAt[317]).toBe(4)
    expect(results.slice(318, 324).every((r) => r.model === 'zscore')).toBe(true)
    expect(callsAt[322]).toBe(4)
    expect(callsAt[323]).toBe(5)
    expect(results.slice(324).every((r) => r.model === 'autoencoder')).toBe(true)
    expect(calls).toBe(5)

    expect(failed.map((e) => [e.failures, e.retryInMs])).toEqual([
      [1, 60_000],
      [2, 120_000],
      [1, 60_000],
    ])
    expect(String(failed[0]?.error)).toContain('backend lost (training 1)')
    expect(trained).toEqual([
      { trainings: 1, afterFailures: 2 },
      { trainings: 2, afterFailures: 1 },
    ])
    expect(detector.trainings).toBe(2)
    const warnings = logger.records.filter((r) => r.level === 'warn')
    expect(warnings).toHaveLength(3)
    expect(warnings[0]?.fields).toMatchObject({ failures: 1, retryInMs: 60_000 })
    expect(String(warnings[0]?.fields.err)).toContain('backend lost')
    unsubscribe()
  }, 120_000)

  it('a listener that throws is logged, not allowed to break scoring', async () => {
    const clock = createFakeClock(start)
    const logger = createMemoryLogger()
    const detector = await buildAutoencoderDetector(
      { kind: 'autoencoder', trainAfter: 20, retryBaseMs: 60_000, logger, clock },
      undefined,
      async () => {
        throw new Error('no backend')
      },
    )
    detector.on('training-failed', () => {
      throw new Error('listener bug')
    })
    for (let i = 0; i < 30; i++) {
      await clock.advance(STEP_MS)
      expect(detector.update({ timestamp: clock.now(), value: value(i) }).model).toBe('zscore')
      await detector.idle()
    }
    // Failures at points 20 and 26 (60 s later); the next retry is 120 s away.
    expect(logger.records.filter((r) => r.level === 'warn')).toHaveLength(2)
    expect(logger.records.filter((r) => r.level === 'error').map((r) => r.msg)).toEqual([
      'a training event listener threw',
      'a training event listener threw',
    ])
  })
})
