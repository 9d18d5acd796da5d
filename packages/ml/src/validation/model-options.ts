import { parseInput } from '@opskit/core'
import { z } from 'zod'
import { invalidOptions } from './invalid-options.js'

const positive = z.number().positive()
const positiveInt = z.number().int().positive()

const fraudScorerSchema = z.object({
  rules: z
    .strictObject({
      maxRequestsPerMinute: positive.optional(),
      maxPaymentMethods: z.number().min(0).optional(),
      maxTickets: z.number().min(0).optional(),
      geoJumpKm: positive.optional(),
      geoJumpWindowMs: positive.optional(),
      regularTimingCv: z.number().min(0).optional(),
      minKeystrokeMs: z.number().min(0).optional(),
      minSessionMs: z.number().min(0).optional(),
      weights: z.record(z.string(), z.number().min(0).max(1)).optional(),
    })
    .optional(),
  model: z.unknown().optional(),
})

/** Checks `createFraudScorer`'s options (`ML_INVALID_OPTIONS`); the model is checked by the scorer. */
export function checkFraudScorerOptions(options: unknown): void {
  parseInput(fraudScorerSchema, options, invalidOptions('createFraudScorer'))
}

const selloutSchema = z.strictObject({
  method: z.enum(['lstm', 'baseline']).optional(),
  sequenceLength: positiveInt.max(365).optional(),
  units: positiveInt.max(1024).optional(),
  epochs: positiveInt.max(1000).optional(),
  seed: z.number().int().optional(),
  trainIn: z.enum(['worker', 'main']).optional(),
})

/** Checks `createSelloutForecaster`'s options (`ML_INVALID_OPTIONS`). */
export function checkSelloutOptions(options: unknown): void {
  parseInput(selloutSchema, options, invalidOptions('createSelloutForecaster'))
}
