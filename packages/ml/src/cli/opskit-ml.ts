#!/usr/bin/env node
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import type {
  AnomalyDetector,
  AnomalyDetectorKind,
  AnomalyDetectorOptions,
} from '../detectors/anomaly-detector-types.js'
import { loadNabCorpus, writeNabResults } from '../nab/corpus.js'
import { crossValidateNab, NAB_CV_GRID } from '../nab/cross-validate.js'
import { NAB_PROFILE_NAMES } from '../nab/profiles.js'
import { runDetectorOnNab } from '../nab/run-detector.js'
import { scoreNabCorpus } from '../nab/scorer.js'

const USAGE = `usage: opskit-ml nab --data <NAB dir> --detector <ensemble|zscore|autoencoder> [--out <results dir>]
       opskit-ml nab-cv --data <NAB dir> [--seed <n>[,<n>...]]

nab: runs the detector online over every file of the NAB corpus, writes NAB results files
(<out>/<category>/<detector>_<file>.csv) when --out is given, scores them with the NAB scorer
and prints the three profiles beside the published scoreboard.

nab-cv: two-fold cross-validation of the ensemble's global parameters: on each half of the files
(split by category with the seed) the best of a small grid and the thresholds are chosen, then
scored on the other half; prints both folds, their mean and the full-corpus score of the defaults.
Several seeds (--seed 1,2) score several splits from one run of the grid.`

interface ScoreboardRow {
  detector: string
  standard: number | null
  reward_low_FP_rate: number | null
  reward_low_FN_rate: number | null
  standard_range?: [number, number]
  reward_low_FP_rate_range?: [number, number]
  reward_low_FN_rate_range?: [number, number]
}

async function nab(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { data: { type: 'string' }, detector: { type: 'string' }, out: { type: 'string' } },
    strict: true,
  })
  const kind = (values.detector ?? 'ensemble') as AnomalyDetectorKind
  if (!values.data || !['zscore', 'ensemble', 'autoencoder'].includes(kind)) {
    console.error(USAGE)
    return 2
  }
  const files = await loadNabCorpus(values.data)
  let create: (() => Promise<AnomalyDetector>) | { kind: 'zscore' | 'ensemble' }
  if (kind === 'autoencoder') {
    // tfjs is an optional peer: only this command path loads it.
    const tfjs = await import('../tfjs/index.js')
    const backend = await tfjs.useBestBackend()
    console.log(`tfjs backend: ${backend.backend}${backend.simd ? ' (SIMD)' : ''}`)
    create = () => tfjs.createAnomalyDetector({ kind: 'autoencoder' })
  } else create = { kind }
  const run = await runDetectorOnNab(files, create)
  if (values.out) {
    for (const [i, file] of files.entries())
      await writeNabResults(values.out, kind, file, run.scores[i] as number[])
  }
  const result = scoreNabCorpus(files.map((file, i) => ({ ...file, scores: run.scores[i] as number[] })))
  console.log(
    `${kind}: ${files.length} files, ${run.points} points in ${(run.elapsedMs / 1000).toFixed(1)} s (${Math.round(
      run.points / (run.elapsedMs / 1000),
    )} points/s)\n`,
  )
  console.log('| detector | standard | reward_low_FP_rate | reward_low_FN_rate |')
  console.log('| --- | ---: | ---: | ---: |')
  const cells = NAB_PROFILE_NAMES.map((p) => result[p]?.normalised.toFixed(2) ?? '')
  console.log(`| **opskit ${kind}** | ${cells.join(' | ')} |`)
  try {
    const board = JSON.parse(await readFile(join(values.data, 'scoreboard.json'), 'utf8')) as {
      scoreboard: ScoreboardRow[]
    }
    for (const row of board.scoreboard) {
      const published = NAB_PROFILE_NAMES.map((p) =>
        row[p] === null ? (row[`${p}_range`] ?? []).join('–') : String(row[p]),
      )
      console.log(`| ${row.detector} (published) | ${published.join(' | ')} |`)
    }
  } catch {
    console.log('(no scoreboard.json next to the data; published scores not shown)')
  }
  console.log(
    `\nthresholds: ${NAB_PROFILE_NAMES.map((p) => `${p} ${result[p]?.threshold.toFixed(4)}`).join(', ')}`,
  )
  return 0
}

const fmt = (record: Readonly<Record<string, number>>) =>
  NAB_PROFILE_NAMES.map((p) => (record[p] as number).toFixed(2)).join(' / ')

async function nabCv(args: string[]): Promise<number> {
  const { values } = parseArgs({
    args,
    options: { data: { type: 'string' }, seed: { type: 'string' } },
    strict: true,
  })
  const seeds = (values.seed ?? '1').split(',').map(Number)
  if (!values.data || !seeds.every(Number.isInteger)) {
    console.error(USAGE)
    return 2
  }
  const files = await loadNabCorpus(values.data)
  const started = performance.now()
  const candidates: { params: AnomalyDetectorOptions; scores: number[][] }[] = []
  for (const params of NAB_CV_GRID) {
    candidates.push({ params, scores: (await runDetectorOnNab(files, params)).scores })
  }
  const full = scoreNabCorpus(files.map((f, i) => ({ ...f, scores: candidates[0]?.scores[i] as number[] })))
  console.log(
    `ensemble, ${NAB_CV_GRID.length} candidates, ${((performance.now() - started) / 1000).toFixed(0)} s`,
  )
  for (const seed of seeds) {
    const cv = crossValidateNab(files, candidates, seed)
    console.log(`\nseed ${seed}\n`)
    console.log(
      '| fold | chosen on the train half | train (std / lowFP / lowFN) | held-out half (std / lowFP / lowFN) |',
    )
    console.log('| --- | --- | --- | --- |')
    for (const [i, fold] of cv.folds.entries()) {
      console.log(
        `| ${i + 1} (${fold.train.length} → ${fold.test.length} files) | \`${JSON.stringify(fold.chosen)}\` | ${fmt(fold.trainScore)} | ${fmt(fold.testScore)} |`,
      )
    }
    console.log(`| **mean of the held-out halves** | | | **${fmt(cv.mean)}** |`)
    console.log(
      `| full corpus, defaults \`${JSON.stringify(NAB_CV_GRID[0])}\` | | | ${fmt(profileRecordOf(full))} |`,
    )
  }
  return 0
}

function profileRecordOf(result: ReturnType<typeof scoreNabCorpus>): Record<string, number> {
  return Object.fromEntries(NAB_PROFILE_NAMES.map((p) => [p, result[p]?.normalised ?? Number.NaN]))
}

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === 'nab') return nab(rest)
  if (command === 'nab-cv') return nabCv(rest)
  console.error(USAGE)
  return command === undefined || command === '--help' ? 0 : 2
}

main(process.argv.slice(2)).then(
  (code) => {
    process.exitCode = code
  },
  (error: unknown) => {
    console.error(error instanceof Error ? error.message : error)
    process.exitCode = 1
  },
)
