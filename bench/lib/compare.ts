import { Bench } from 'tinybench'

/** A figure measured over several runs. */
export interface Spread {
  min: number
  median: number
  max: number
  /** How many runs. */
  runs: number
}

/** One run's figure, or the spread of several. */
export type Figure = number | Spread

/** The spread of `values` (at least one). */
export function spread(values: readonly number[]): Spread {
  if (values.length === 0) throw new Error('spread() needs at least one value')
  const sorted = [...values].sort((a, b) => a - b)
  const mid = Math.floor(sorted.length / 2)
  const median = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
  return { min: sorted[0]!, median, max: sorted[sorted.length - 1]!, runs: sorted.length }
}

/** The figure a target is judged on: the median of a spread. */
export function central(figure: Figure): number {
  return typeof figure === 'number' ? figure : figure.median
}

/** A target a row meets or not, judged on medians (ratio = median ours / median baseline). */
export interface Target {
  text: string
  met(ratio: number, ours: number): boolean
}

/** Met when ours / baseline (medians) is at least `ratio`. */
export const ratioAtLeast = (ratio: number): Target => ({ text: `>= ${ratio}x`, met: (r) => r >= ratio })
/** Met when ours / baseline (medians) is at most `ratio` (memory, latency). */
export const ratioAtMost = (ratio: number): Target => ({ text: `<= ${ratio}x`, met: (r) => r <= ratio })
/** Met when ours / baseline (medians) is above `ratio`. */
export const ratioAbove = (ratio: number): Target => ({ text: `> ${ratio}x`, met: (r) => r > ratio })
/** Met when our median is below `limit` (in the row's unit). */
export const oursBelow = (limit: number, unit: string): Target => ({
  text: `< ${limit} ${unit}`,
  met: (_r, ours) => ours < limit,
})

/** One printed row: the same work done by opskit and by a plain baseline, or a plain figure. */
export interface ComparisonRow {
  case: string
  /** opskit's figure, in `unit`. */
  ours: Figure
  /** The baseline's figure, in `unit`; absent for a plain figure (no ratio is printed). */
  baseline?: Figure
  /** e.g. `ops/s`, `rows/s`, `MB`. */
  unit: string
  /** Whether a bigger figure is better (throughput) or worse (latency, memory). @default true */
  higherIsBetter?: boolean
  /** The target: a {@link Target} is judged on the medians; text is printed as it is. */
  target?: Target | string
}

function format(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString('en-US')
  return value.toPrecision(3)
}

function formatFigure(figure: Figure | undefined, unit: string): string {
  if (figure === undefined) return '—'
  if (typeof figure === 'number') return `${format(figure)} ${unit}`
  return `${format(figure.median)} ${unit} (${format(figure.min)}–${format(figure.max)})`
}

/**
 * Prints rows as `case | ours | baseline | ratio | target | met`. A spread prints as
 * `median (min–max)`; the ratio is median ours / median baseline, and a target is met only
 * when the medians meet it.
 */
export function printRows(title: string, rows: ComparisonRow[]): void {
  console.log(`\n## ${title}\n`)
  console.log(
    '| case | ours: median (min–max) | baseline: median (min–max) | ratio of medians | target | met |',
  )
  console.log('| --- | ---: | ---: | ---: | --- | --- |')
  for (const row of rows) {
    const ours = central(row.ours)
    const ratio = row.baseline === undefined ? undefined : ours / central(row.baseline)
    const target = typeof row.target === 'string' ? row.target : (row.target?.text ?? '')
    const met =
      typeof row.target === 'object' ? (row.target.met(ratio ?? Number.NaN, ours) ? 'yes' : 'no') : ''
    console.log(
      `| ${row.case} | ${formatFigure(row.ours, row.unit)} | ${formatFigure(row.baseline, row.unit)} | ${ratio === undefined ? '' : `${ratio.toFixed(2)}x`} | ${target} | ${met} |`,
    )
  }
}

/**
 * Runs every case `runs` times, round by round, each round starting one case later than the
 * one before (A B C, B C A, C A B, …), so that no case always runs first (cold) or last, nor
 * always after the same neighbour. `between` runs before each timed case (e.g. flush writeback,
 * collect garbage). Returns each case's results in run order.
 */
export async function alternate<T, K extends string = string>(
  cases: Record<K, () => Promise<T> | T>,
  { runs = 5, between }: { runs?: number; between?: () => void | Promise<void> } = {},
): Promise<Record<K, T[]>> {
  const names = Object.keys(cases) as K[]
  const results = Object.fromEntries(names.map((name) => [name, [] as T[]])) as Record<K, T[]>
  for (let round = 0; round < runs; round++) {
    for (let i = 0; i < names.length; i++) {
      const name = names[(round + i) % names.length] as K
      await between?.()
      results[name].push(await cases[name]())
    }
  }
  return results
}

/** Seconds `work` takes. */
export async function timed(work: () => Promise<unknown> | unknown): Promise<number> {
  const started = process.hrtime.bigint()
  await work()
  return Number(process.hrtime.bigint() - started) / 1e9
}

/**
 * Two functions side by side with tinybench (warm-up, then at least `time` ms each), in
 * `runs` alternating rounds: ops/s of each as a spread.
 */
export async function opsPerSecond(
  caseName: string,
  ours: () => unknown,
  baseline: () => unknown,
  options: { time?: number; runs?: number; target?: Target } = {},
): Promise<ComparisonRow> {
  const once = async (fn: () => unknown) => {
    const bench = new Bench({ time: options.time ?? 300, warmup: true })
    bench.add('case', fn)
    await bench.run()
    const result = bench.tasks[0]?.result as { throughput?: { mean?: number }; hz?: number } | undefined
    return result?.throughput?.mean ?? result?.hz ?? Number.NaN
  }
  const runs = await alternate(
    { ours: () => once(ours), baseline: () => once(baseline) },
    { runs: options.runs },
  )
  return {
    case: caseName,
    ours: spread(runs.ours),
    baseline: spread(runs.baseline),
    unit: 'ops/s',
    ...(options.target ? { target: options.target } : {}),
  }
}
