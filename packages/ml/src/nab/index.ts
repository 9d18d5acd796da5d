/**
 * `@opskit/ml/nab`: the Numenta Anomaly Benchmark scorer, corpus loader and results writer.
 * @packageDocumentation
 */
export {
  listNabCategories,
  loadNabCorpus,
  type NabDataFile,
  parseNabCsv,
  parseNabTimestamp,
  windowLabels,
  writeNabResults,
} from './corpus.js'
export {
  crossValidateNab,
  NAB_CV_GRID,
  type NabCandidate,
  type NabCrossValidation,
  type NabFold,
  splitNabFiles,
} from './cross-validate.js'
export { NAB_PROFILE_NAMES, NAB_PROFILES, type NabProfile, type NabProfileName } from './profiles.js'
export { type NabDetectorRun, runDetectorOnNab } from './run-detector.js'
export {
  type NabCorpusResult,
  type NabProfileResult,
  type NabScoredFile,
  type NabScoreOptions,
  NO_DETECTION_THRESHOLD,
  probationaryRows,
  scaledSigmoid,
  scoreNabCorpus,
} from './scorer.js'
