// @opskit/ml: the NAB windows the default ensemble misses entirely at its standard threshold, with
// plot-free statistics of the signal before and inside each window (level, spread, rate of change,
// periodicity, flatlines, sampling gaps), to see what no channel of the ensemble reacts to.
// Run: cd bench && node --import tsx ml-nab-missed.ts   (NAB data from NAB_DIR or ../../shared/data/nab)
// Ensemble options as JSON in ML_OPTIONS, e.g. ML_OPTIONS='{"sustainedWindow":0}' for the ensemble
// before its slow likelihood layers (15 windows missed; 14 with the defaults).
import type { AnomalyDetectorOptions } from '@opskit/ml'
import { loadNabCorpus, type NabDataFile, runDetectorOnNab, scoreNabCorpus } from '@opskit/ml/nab'

const root = process.env.NAB_DIR ?? '../../shared/data/nab'
const options = JSON.parse(process.env.ML_OPTIONS ?? '{}') as AnomalyDetectorOptions
const files = await loadNabCorpus(root)
const run = await runDetectorOnNab(files, options)
const result = scoreNabCorpus(files.map((f, i) => ({ ...f, scores: run.scores[i] as number[] })))
const threshold = result.standard?.threshold as number
console.log(`standard threshold ${threshold.toFixed(4)}, standard ${result.standard?.normalised.toFixed(2)}`)

interface Stats {
  mean: number
  std: number
  /** Mean absolute first difference. */
  step: number
  /** Share of points equal to the previous one. */
  flat: number
  /** Lag (points, 2..n/3) of the highest autocorrelation, and that autocorrelation. */
  period: number
  acf: number
  /** Median and largest gap between timestamps, in minutes. */
  gapMedian: number
  gapMax: number
}

function stats(values: readonly number[], stamps: readonly number[]): Stats {
  const n = values.length
  const mean = values.reduce((s, v) => s + v, 0) / n
  const variance = values.reduce((s, v) => s + (v - mean) ** 2, 0) / n
  let step = 0
  let flat = 0
  for (let i = 1; i < n; i++) {
    step += Math.abs((values[i] as number) - (values[i - 1] as number))
    if (values[i] === values[i - 1]) flat++
  }
  let period = 0
  let acf = 0
  for (let lag = 2; lag <= Math.floor(n / 3); lag++) {
    let c = 0
    for (let i = lag; i < n; i++) c += ((values[i] as number) - mean) * ((values[i - lag] as number) - mean)
    const r = variance > 0 ? c / (n - lag) / variance : 0
    if (r > acf) {
      acf = r
      period = lag
    }
  }
  const gaps: number[] = []
  for (let i = 1; i < stamps.length; i++)
    gaps.push(((stamps[i] as number) - (stamps[i - 1] as number)) / 60000)
  gaps.sort((a, b) => a - b)
  return {
    mean,
    std: Math.sqrt(variance),
    step: step / Math.max(1, n - 1),
    flat: flat / Math.max(1, n - 1),
    period,
    acf,
    gapMedian: gaps[Math.floor(gaps.length / 2)] ?? 0,
    gapMax: gaps[gaps.length - 1] ?? 0,
  }
}

const fmt = (s: Stats) =>
  `mean ${s.mean.toPrecision(4)} std ${s.std.toPrecision(3)} |Δ| ${s.step.toPrecision(3)} flat ${(100 * s.flat).toFixed(0)}% ` +
  `acf ${s.acf.toFixed(2)}@${s.period} gaps ${s.gapMedian.toFixed(0)}/${s.gapMax.toFixed(0)} min`

function probation(n: number): number {
  return Math.min(Math.floor(0.15 * n), 750)
}

let missed = 0
let total = 0
for (const [f, file] of files.entries()) {
  const scores = run.scores[f] as number[]
  const start = probation(file.values.length)
  for (const [w, [a, b]] of file.windows.entries()) {
    const rows = rowsOf(file, a, b)
    if (rows.length === 0 || (rows[rows.length - 1] as number) < start) continue
    total++
    const first = rows[0] as number
    const last = rows[rows.length - 1] as number
    let best = 0
    for (let i = Math.max(first, start); i <= last; i++) best = Math.max(best, scores[i] as number)
    if (best >= threshold) continue
    missed++
    const width = last - first + 1
    const before = Math.max(0, first - 2 * width)
    const slice = (x: number, y: number) => ({
      v: file.values.slice(x, y),
      t: file.timestamps.slice(x, y),
    })
    const pre = slice(before, first)
    const inside = slice(first, last + 1)
    const whole = stats(file.values.slice(0, first), file.timestamps.slice(0, first))
    console.log(
      `\n${file.key} window ${w + 1}/${file.windows.length}: rows ${first}–${last} of ${file.values.length} (max score inside ${best.toFixed(3)})`,
    )
    console.log(`  all before: ${fmt(whole)}`)
    console.log(`  2w before : ${fmt(stats(pre.v, pre.t))}`)
    console.log(`  inside    : ${fmt(stats(inside.v, inside.t))}`)
  }
}
console.log(`\n${missed} of ${total} scored windows missed at the standard threshold`)

function rowsOf(file: NabDataFile, a: number, b: number): number[] {
  const rows: number[] = []
  for (const [i, t] of file.timestamps.entries()) if (t >= a && t <= b) rows.push(i)
  return rows
}
