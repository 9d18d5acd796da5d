// @opskit/ml: the whole NAB corpus through the default detector (throughput, NAB scores, update()
// latency) beside the z-score fallback, the fraud scorer's held-out AUCs, and tfjs wasm vs cpu for
// training the autoencoder on the same windows.
// Run: cd bench && node --expose-gc --import tsx ml.bench.ts [--autoencoder]
// NAB data: NAB_DIR, or ../shared/data/nab beside the repository.
import { fileURLToPath } from 'node:url'
import {
  type AnomalyDetector,
  brierScore,
  createAnomalyDetector,
  createFraudScorer,
  generateSalesCurves,
  generateSessions,
  precisionAtTop,
  rocAuc,
} from '@opskit/ml'
import { loadNabCorpus, NAB_PROFILE_NAMES, scoreNabCorpus } from '@opskit/ml/nab'
import {
  createAnomalyDetector as createAnyDetector,
  createFraudNetwork,
  createSelloutForecaster,
  evaluateSellout,
  trainAutoencoder,
  useBestBackend,
} from '@opskit/ml/tfjs'
import { alternate, oursBelow, printRows, spread } from './lib/compare.js'

const NAB = process.env.NAB_DIR ?? fileURLToPath(new URL('../../shared/data/nab', import.meta.url))
const corpus = await loadNabCorpus(NAB)

// 1. Whole corpus, online, one detector per file, every update() timed; the z-score (Windowed
// Gaussian) is the baseline. Cases alternate, 5 runs each; NAB scores come from the first run
// (the detectors are deterministic).
interface CorpusRun {
  scores: number[][]
  points: number
  seconds: number
  p50: number
  p99: number
}
async function throughCorpus(create: () => Promise<AnomalyDetector>): Promise<CorpusRun> {
  const scores: number[][] = []
  const times = new Float64Array(corpus.reduce((n, f) => n + f.values.length, 0))
  let k = 0
  const started = process.hrtime.bigint()
  for (const file of corpus) {
    const detector = await create()
    const idle = (detector as { idle?: () => Promise<void> }).idle
    const out: number[] = []
    for (let i = 0; i < file.values.length; i++) {
      const at = process.hrtime.bigint()
      out.push(
        detector.update({ timestamp: file.timestamps[i] as number, value: file.values[i] as number }).score,
      )
      times[k++] = Number(process.hrtime.bigint() - at) / 1e6
      if (idle) await idle.call(detector)
    }
    scores.push(out)
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9
  times.sort()
  return {
    scores,
    points: k,
    seconds,
    p50: times[Math.floor(k * 0.5)] as number,
    p99: times[Math.floor(k * 0.99)] as number,
  }
}
const runs = await alternate(
  {
    ensemble: () => throughCorpus(() => createAnomalyDetector({ kind: 'ensemble' })),
    zscore: () => throughCorpus(() => createAnomalyDetector({ kind: 'zscore' })),
  },
  { runs: 5, between: () => global.gc?.() },
)
const ensembleRuns = runs.ensemble as CorpusRun[]
const zscoreRuns = runs.zscore as CorpusRun[]
const score = (scores: number[][]) =>
  scoreNabCorpus(corpus.map((f, i) => ({ ...f, scores: scores[i] as number[] })))
const ensembleScores = score((ensembleRuns[0] as CorpusRun).scores)
const zscoreScores = score((zscoreRuns[0] as CorpusRun).scores)
const of = (list: CorpusRun[], pick: (r: CorpusRun) => number) => spread(list.map(pick))
printRows(
  `ml: NAB corpus (58 files, 365,558 points), default detector vs z-score fallback, ${ensembleRuns.length} alternating runs`,
  [
    {
      case: 'points/s through update()',
      ours: of(ensembleRuns, (r) => r.points / r.seconds),
      baseline: of(zscoreRuns, (r) => r.points / r.seconds),
      unit: 'points/s',
    },
    {
      case: 'total seconds for the corpus',
      ours: of(ensembleRuns, (r) => r.seconds),
      baseline: of(zscoreRuns, (r) => r.seconds),
      unit: 's',
      higherIsBetter: false,
      target: oursBelow(60, 's'),
    },
    {
      case: 'p50 update() over every point',
      ours: of(ensembleRuns, (r) => r.p50),
      baseline: of(zscoreRuns, (r) => r.p50),
      unit: 'ms',
      higherIsBetter: false,
    },
    {
      case: 'p99 update() over every point',
      ours: of(ensembleRuns, (r) => r.p99),
      baseline: of(zscoreRuns, (r) => r.p99),
      unit: 'ms',
      higherIsBetter: false,
      target: oursBelow(1, 'ms'),
    },
    ...NAB_PROFILE_NAMES.map((p) => ({
      case: `NAB ${p} (normalised)`,
      ours: ensembleScores[p]?.normalised ?? Number.NaN,
      baseline: zscoreScores[p]?.normalised ?? Number.NaN,
      unit: '',
      target:
        p === 'standard'
          ? '>= 75.0 (ARTime 74.85); z-score >= 39.6'
          : p === 'reward_low_FP_rate'
            ? '>= 66'
            : '>= 80.4',
    })),
  ],
)

// 3. tfjs: wasm vs cpu training the autoencoder on the same windows (nyc_taxi, 16-point windows).
const taxi =
  corpus.find((f) => f.key === 'realKnownCause/nyc_taxi.csv') ?? (corpus[0] as (typeof corpus)[number])
const mean = taxi.values.reduce((a, b) => a + b, 0) / taxi.values.length
const sd = Math.sqrt(taxi.values.reduce((a, b) => a + (b - mean) ** 2, 0) / taxi.values.length)
const windows: number[][] = []
for (let end = 16; end <= 4016; end++)
  windows.push(taxi.values.slice(end - 16, end).map((v) => (v - mean) / sd))
async function trainMs(prefer: 'wasm' | 'cpu'): Promise<{ ms: number; backend: string }> {
  const backend = await useBestBackend({ prefer })
  await trainAutoencoder(windows.slice(0, 256), { windowSize: 16, bottleneck: 4, epochs: 1, seed: 1 })
  const started = performance.now()
  await trainAutoencoder(windows, { windowSize: 16, bottleneck: 4, epochs: 5, seed: 1 })
  return { ms: performance.now() - started, backend: `${backend.backend}${backend.simd ? '+SIMD' : ''}` }
}
const cpu = await trainMs('cpu')
const wasm = await trainMs('wasm')
printRows('ml: autoencoder training, 4,000 windows x 16 points, 5 epochs, batch 64', [
  {
    case: `training time, ${wasm.backend} vs ${cpu.backend}`,
    ours: wasm.ms,
    baseline: cpu.ms,
    unit: 'ms',
    higherIsBetter: false,
  },
])

// 4. Fraud: held-out AUC of rules only, network only and combined (generated sessions, 8% fraud).
const sessions = generateSessions({ count: 6000, seed: 2026 })
const fraud = await createFraudScorer({ model: await createFraudNetwork() })
const trainStarted = performance.now()
const report = await fraud.train(sessions, { validationSplit: 0.25, epochs: 40, seed: 1 })
const trainSeconds = (performance.now() - trainStarted) / 1000
const scoreTimes: number[] = []
for (const s of sessions.slice(0, 2000)) {
  const started = process.hrtime.bigint()
  fraud.score(s.session)
  scoreTimes.push(Number(process.hrtime.bigint() - started) / 1e6)
}
scoreTimes.sort((a, b) => a - b)
printRows(
  `ml: fraud scoring, 6,000 generated sessions (${(report.fraudRate * 100).toFixed(1)}% fraud), 25% held out; training ${trainSeconds.toFixed(1)} s`,
  [
    { case: 'held-out AUC: combined vs rules only', ours: report.auc, baseline: report.aucRules, unit: '' },
    {
      case: 'held-out AUC: network only vs rules only',
      ours: report.aucModel,
      baseline: report.aucRules,
      unit: '',
    },
    {
      case: 'precision at recall 0.8 (combined)',
      ours: report.precisionAtRecall[0.8],
      unit: '',
    },
    {
      case: 'p99 score() latency (rules + network)',
      ours: scoreTimes[Math.floor(scoreTimes.length * 0.99)] as number,
      unit: 'ms',
      higherIsBetter: false,
      target: oursBelow(1, 'ms'),
    },
  ],
)

// 4b. Fraud where it is hard: mimicking bots, legitimate bulk buyers, drift; trained on one seed,
// measured on three seeds never used for training or tuning (3 x 3,000 sessions).
const hardScorer = await createFraudScorer({ model: await createFraudNetwork() })
await hardScorer.train(generateSessions({ count: 6000, seed: 2026, difficulty: 'hard' }), {
  validationSplit: 0.25,
  epochs: 40,
  seed: 1,
})
const rulesOnly = await createFraudScorer()
const heldOutSessions = [1, 2, 3].flatMap((seed) =>
  generateSessions({ count: 3000, seed, difficulty: 'hard' }),
)
const heldOutLabels = heldOutSessions.map((s) => (s.fraud ? 1 : 0))
const hardScores = heldOutSessions.map((s) => hardScorer.score(s.session))
const byMethod: Record<string, number[]> = {
  rules: heldOutSessions.map((s) => rulesOnly.score(s.session).score),
  network: hardScores.map((o) => o.reasons.find((r) => r.code === 'MODEL')?.weight ?? 0),
  combined: hardScores.map((o) => o.score),
}
printRows(
  'ml: fraud scoring on hard generated sessions, held-out seeds 1-3 (9,000 sessions), combined vs rules only',
  [
    ...(['network', 'combined'] as const).flatMap((method) => [
      {
        case: `ROC AUC, ${method} vs rules`,
        ours: rocAuc(byMethod[method] as number[], heldOutLabels),
        baseline: rocAuc(byMethod.rules as number[], heldOutLabels),
        unit: '',
      },
      {
        case: `precision in the top 1 % (review budget), ${method} vs rules`,
        ours: precisionAtTop(byMethod[method] as number[], heldOutLabels, 0.01),
        baseline: precisionAtTop(byMethod.rules as number[], heldOutLabels, 0.01),
        unit: '',
      },
      {
        case: `Brier score (calibration), ${method} vs rules`,
        ours: brierScore(byMethod[method] as number[], heldOutLabels),
        baseline: brierScore(byMethod.rules as number[], heldOutLabels),
        unit: '',
        higherIsBetter: false,
      },
    ]),
  ],
)

// 5. Sell-out: LSTM vs the smoothed-velocity baseline on held-out generated curves.
await useBestBackend()
const curves = generateSalesCurves({ count: 600, seed: 2026 })
const sellout = await createSelloutForecaster({ epochs: 20 })
const fitStarted = performance.now()
const { sequences } = await sellout.fit(curves.slice(0, 450))
const fitSeconds = (performance.now() - fitStarted) / 1000
const heldOutCurves = curves.slice(450)
const evaluation = evaluateSellout(sellout, heldOutCurves)
const predictTimes: number[] = []
global.gc?.()
for (const curve of heldOutCurves) sellout.predict({ ...curve, dailySales: curve.dailySales.slice(0, 3) })
for (let round = 0; round < 20; round++) {
  for (const curve of heldOutCurves) {
    const sale = {
      ...curve,
      dailySales: curve.dailySales.slice(0, Math.max(1, Math.floor(curve.dailySales.length / 2))),
    }
    const started = process.hrtime.bigint()
    sellout.predict(sale)
    predictTimes.push(Number(process.hrtime.bigint() - started) / 1e6)
  }
}
predictTimes.sort((a, b) => a - b)
printRows(
  `ml: sell-out time, 450 training curves (${sequences} sequences, ${fitSeconds.toFixed(1)} s on wasm), 150 held out, cuts at 30/50/70% of the sell-out day`,
  [
    {
      case: `MAPE of days to sell-out, LSTM vs smoothed-velocity baseline (${evaluation.cases} cases)`,
      ours: evaluation.mape,
      baseline: evaluation.baselineMape,
      unit: '%',
      higherIsBetter: false,
    },
    {
      case: 'MAPE of days to sell-out, LSTM vs seasonal naive (last week repeats)',
      ours: evaluation.mape,
      baseline: evaluation.seasonalNaiveMape,
      unit: '%',
      higherIsBetter: false,
    },
    {
      case: "MAPE of days to sell-out, LSTM vs Holt (daily sales by Holt's trend)",
      ours: evaluation.mape,
      baseline: evaluation.holtMape,
      unit: '%',
      higherIsBetter: false,
    },
    {
      case: 'share of actual sell-outs inside the LSTM p10–p90 interval (nominal 80%)',
      ours: 100 * evaluation.coverage,
      unit: '%',
    },
    {
      case: 'p99 predict() latency (plain-JS LSTM forward)',
      ours: predictTimes[Math.floor(predictTimes.length * 0.99)] as number,
      unit: 'ms',
      higherIsBetter: false,
      target: oursBelow(1, 'ms'),
    },
  ],
)

// 6. Optional: the autoencoder detector over the whole corpus (slow: it trains ~200 times).
if (process.argv.includes('--autoencoder')) {
  await useBestBackend()
  const ae = await throughCorpus(() => createAnyDetector({ kind: 'autoencoder' }))
  const aeScores = score(ae.scores)
  const zscoreRun = zscoreRuns[0] as CorpusRun
  printRows('ml: NAB corpus, autoencoder detector vs z-score fallback (one run)', [
    {
      case: 'points/s through update()',
      ours: ae.points / ae.seconds,
      baseline: zscoreRun.points / zscoreRun.seconds,
      unit: 'points/s',
    },
    {
      case: 'p99 update() over every point',
      ours: ae.p99,
      baseline: zscoreRun.p99,
      unit: 'ms',
      higherIsBetter: false,
    },
    {
      case: 'total seconds',
      ours: ae.seconds,
      baseline: zscoreRun.seconds,
      unit: 's',
      higherIsBetter: false,
    },
    ...NAB_PROFILE_NAMES.map((p) => ({
      case: `NAB ${p} (normalised)`,
      ours: aeScores[p]?.normalised ?? Number.NaN,
      baseline: zscoreScores[p]?.normalised ?? Number.NaN,
      unit: '',
    })),
  ])
}
