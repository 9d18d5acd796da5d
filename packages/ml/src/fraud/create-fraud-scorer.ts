import { mulberry32 } from '@opskit/core/internal'
import { MlError } from '../errors/ml-error.js'
import { toModelStore } from '../store/model-io.js'
import type { ModelIO } from '../store/model-store.js'
import { checkFraudScorerOptions } from '../validation/model-options.js'
import {
  type FeatureNormaliser,
  FRAUD_FEATURE_COUNT,
  fitNormaliser,
  normalise,
  sessionFeatures,
} from './features.js'
import type { FraudModel } from './fraud-model.js'
import { applyCalibration, type Calibration, fitCalibration, precisionAtRecall, rocAuc } from './metrics.js'
import { evaluateRules, type FraudRuleOptions } from './rules.js'
import type { FraudReason, FraudRisk, FraudScore, FraudSession, LabelledSession } from './session.js'

/** Options of {@link createFraudScorer}. */
export interface FraudScorerOptions {
  /** Thresholds and weights of the rule layer. */
  readonly rules?: FraudRuleOptions
  /** The trainable model (e.g. `await createFraudNetwork()` from `@opskit/ml/tfjs`). Without it, only rules score. */
  readonly model?: FraudModel
}

/** Options of {@link FraudScorer.train}. */
export interface FraudTrainOptions {
  /** Share of sessions held out for evaluation (stratified). @default 0.2 */
  readonly validationSplit?: number
  /** @default 40 */
  readonly epochs?: number
  /** Seed for the split, initialisation and shuffling. @default 1 */
  readonly seed?: number
}

/** What {@link FraudScorer.train} reports, measured on the held-out sessions. */
export interface FraudTrainReport {
  /** ROC AUC of the combined, calibrated score. */
  readonly auc: number
  /** ROC AUC of the rule layer alone. */
  readonly aucRules: number
  /** ROC AUC of the model alone. */
  readonly aucModel: number
  /** Best precision at recall >= 0.5, 0.8 and 0.9 (combined score). */
  readonly precisionAtRecall: { readonly 0.5: number; readonly 0.8: number; readonly 0.9: number }
  readonly trainSize: number
  readonly validationSize: number
  /** Share of fraud in the training data. */
  readonly fraudRate: number
}

/** Scores sessions for fraud and bots. */
export interface FraudScorer {
  /** Rules, plus the trained model when there is one, combined into one calibrated score. */
  score(session: FraudSession): FraudScore
  /** Trains the model on labelled sessions and calibrates the combination; reports held-out AUCs. */
  train(labelled: readonly LabelledSession[], options?: FraudTrainOptions): Promise<FraudTrainReport>
  /** Whether a trained model takes part in `score`. */
  readonly trained: boolean
  /** Saves normaliser, calibration and model to a file or a store. */
  save(io: ModelIO): Promise<void>
}

/** Risk bucket of a score. */
export function riskOf(score: number): FraudRisk {
  return score >= 0.7 ? 'high' : score >= 0.3 ? 'medium' : 'low'
}

interface Trained {
  normaliser: FeatureNormaliser
  calibration: Calibration
}

/**
 * Splits the indices of `labels` (0 or 1) into training and validation parts with the same fraud
 * share in both: each class is shuffled (Fisher–Yates on `random`, legitimate sessions first) and
 * its first `validationShare` goes to validation.
 */
function stratifiedSplit(
  labels: readonly number[],
  validationShare: number,
  random: () => number,
): { trainIdx: number[]; validIdx: number[] } {
  const trainIdx: number[] = []
  const validIdx: number[] = []
  for (const cls of [0, 1]) {
    const idx = labels.flatMap((y, i) => (y === cls ? [i] : []))
    for (let i = idx.length - 1; i > 0; i--) {
      const j = Math.floor(random() * (i + 1))
      ;[idx[i], idx[j]] = [idx[j] as number, idx[i] as number]
    }
    const cut = Math.round(idx.length * validationShare)
    validIdx.push(...idx.slice(0, cut))
    trainIdx.push(...idx.slice(cut))
  }
  return { trainIdx, validIdx }
}

/**
 * Creates a fraud/bot scorer. Without a model (or before `train`) the score is the noisy-or of the
 * rules that fired; after training it is a logistic calibration of the rule score and the model's
 * probability, fitted on the training sessions.
 */
export async function createFraudScorer(options: FraudScorerOptions = {}): Promise<FraudScorer> {
  checkFraudScorerOptions(options)
  return buildFraudScorer(options, undefined)
}

/** Builds a scorer from parts (used by `createFraudScorer` and by loaders). */
export function buildFraudScorer(options: FraudScorerOptions, restored: Trained | undefined): FraudScorer {
  const model = options.model
  if (model && model.featureCount !== FRAUD_FEATURE_COUNT) {
    throw new MlError(
      'ML_FEATURE_LENGTH_MISMATCH',
      `the model takes ${model.featureCount} features, the fraud features are ${FRAUD_FEATURE_COUNT}`,
    )
  }
  let trained = restored

  const scorer: FraudScorer = {
    get trained() {
      return trained !== undefined && model !== undefined
    },
    score(session) {
      if (!session || typeof session.userAgent !== 'string' || !Array.isArray(session.requests)) {
        throw new MlError(
          'ML_INVALID_INPUT',
          'a session needs userAgent (string) and requests (array of epoch ms)',
        )
      }
      const rules = evaluateRules(session, options.rules)
      if (!trained || !model) return { score: rules.score, risk: riskOf(rules.score), reasons: rules.reasons }
      const features = sessionFeatures(session)
      if (features.some((x) => !Number.isFinite(x))) {
        throw new MlError('ML_NAN_INPUT', 'the session produced a non-finite feature')
      }
      const probability = model.predict([normalise(features, trained.normaliser)])[0] as number
      const score = applyCalibration(trained.calibration, [rules.score, probability])
      const reasons: FraudReason[] = [
        ...rules.reasons,
        { code: 'MODEL', weight: probability, detail: `model fraud probability ${probability.toFixed(3)}` },
      ].sort((a, b) => b.weight - a.weight)
      return { score, risk: riskOf(score), reasons }
    },
    async train(labelled, trainOptions = {}) {
      if (!model) {
        throw new MlError(
          'ML_NOT_TRAINED',
          'train() needs a model: pass { model: await createFraudNetwork() } from @opskit/ml/tfjs',
        )
      }
      if (!Array.isArray(labelled) || labelled.length === 0) {
        throw new MlError('ML_EMPTY_HISTORY', 'train() needs labelled sessions')
      }
      const split = trainOptions.validationSplit ?? 0.2
      if (!(split > 0 && split < 1))
        throw new MlError('ML_INVALID_OPTIONS', 'train(): validationSplit must be in (0, 1)')
      const seed = trainOptions.seed ?? 1
      const rows = labelled.map((l) => sessionFeatures(l.session))
      const bad = rows.findIndex((r) => r.some((x) => !Number.isFinite(x)))
      if (bad >= 0) throw new MlError('ML_NAN_INPUT', `session ${bad} produced a non-finite feature`)
      const labels = labelled.map((l) => (l.fraud ? 1 : 0))
      const { trainIdx, validIdx } = stratifiedSplit(labels, split, mulberry32(seed))
      const positives = trainIdx.reduce((n, i) => n + (labels[i] as number), 0)
      if (positives === 0 || positives === trainIdx.length || validIdx.length === 0) {
        throw new MlError(
          'ML_INVALID_INPUT',
          'training needs both fraud and legitimate sessions in each split',
        )
      }
      const normaliser = fitNormaliser(trainIdx.map((i) => rows[i] as number[]))
      const x = (idx: number[]) => idx.map((i) => normalise(rows[i] as number[], normaliser))
      const y = (idx: number[]) => idx.map((i) => labels[i] as number)
      const negatives = trainIdx.length - positives
      await model.fit(x(trainIdx), y(trainIdx), {
        epochs: trainOptions.epochs ?? 40,
        classWeight: { 0: 1, 1: negatives / positives },
        seed,
      })
      const ruleScore = (idx: number[]) =>
        idx.map((i) => evaluateRules((labelled[i] as LabelledSession).session, options.rules).score)
      const trainPairs = model
        .predict(x(trainIdx))
        .map((p, k) => [ruleScore([trainIdx[k] as number])[0] as number, p])
      const calibration = fitCalibration(trainPairs, y(trainIdx))
      const validRules = ruleScore(validIdx)
      const validModel = model.predict(x(validIdx))
      const validCombined = validIdx.map((_, k) =>
        applyCalibration(calibration, [validRules[k] as number, validModel[k] as number]),
      )
      const validLabels = y(validIdx)
      trained = { normaliser, calibration }
      return {
        auc: rocAuc(validCombined, validLabels),
        aucRules: rocAuc(validRules, validLabels),
        aucModel: rocAuc(validModel, validLabels),
        precisionAtRecall: {
          0.5: precisionAtRecall(validCombined, validLabels, 0.5),
          0.8: precisionAtRecall(validCombined, validLabels, 0.8),
          0.9: precisionAtRecall(validCombined, validLabels, 0.9),
        },
        trainSize: trainIdx.length,
        validationSize: validIdx.length,
        fraudRate: positives / trainIdx.length,
      }
    },
    async save(io) {
      if (!trained || !model) throw new MlError('ML_NOT_TRAINED', 'train() before save()')
      const document = {
        format: 'opskit-ml-fraud',
        version: 1,
        rules: options.rules ?? {},
        normaliser: trained.normaliser,
        calibration: trained.calibration,
        model: await model.serialize(),
      }
      await toModelStore(io).write(JSON.stringify(document))
    },
  }
  return scorer
}
