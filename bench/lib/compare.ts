import { Bench } from 'tinybench'

/** One printed comparison: the same work done by opskit and by a plain baseline. */
export interface ComparisonRow {
  case: string
  /** opskit's figure, in `unit`. */
  ours: number
  /** The baseline's figure, in `unit`. */
  baseline: number
  /** e.g. `ops/s`, `rows/s`, `MB`. */
  unit: string
  /** Whether a bigger figure is better (throughput) or worse (latency, memory). @default true */
  higherIsBetter?: boolean
  /** The target, as text, e.g. `>= 0.6x`. */
  target?: string
}

function format(value: number): string {
  if (value >= 100) return Math.round(value).toLocaleString('en-US')
  return value.toPrecision(3)
}

/** Prints rows as `case | ours | baseline | ratio` (ratio = ours / baseline). */
export function printRows(title: string, rows: ComparisonRow[]): void {
  console.log(`\n## ${title}\n`)
  console.log('| case | ours | baseline | ratio | target |')
  console.log('| --- | ---: | ---: | ---: | --- |')
  for (const row of rows) {
    const ratio = row.ours / row.baseline
    console.log(
      `| ${row.case} | ${format(row.ours)} ${row.unit} | ${format(row.baseline)} ${row.unit} | ${ratio.toFixed(2)}x | ${row.target ?? ''} |`,
    )
  }
}

/**
 * Runs two synchronous or async functions side by side with tinybench (warm-up, then at least
 * `time` ms each) in this process and returns their throughput in operations per second.
 */
export async function opsPerSecond(
  caseName: string,
  ours: () => unknown,
  baseline: () => unknown,
  options: { time?: number; target?: string } = {},
): Promise<ComparisonRow> {
  const bench = new Bench({ time: options.time ?? 500, warmup: true })
  bench.add('ours', ours).add('baseline', baseline)
  await bench.run()
  const [oursTask, baselineTask] = bench.tasks
  const hz = (task: (typeof bench.tasks)[number] | undefined) => {
    const result = task?.result as { throughput?: { mean?: number }; hz?: number } | undefined
    return result?.throughput?.mean ?? result?.hz ?? Number.NaN
  }
  return {
    case: caseName,
    ours: hz(oursTask),
    baseline: hz(baselineTask),
    unit: 'ops/s',
    ...(options.target ? { target: options.target } : {}),
  }
}

/** Measures how many items per second `run(count)` processes, best of `repeats` runs. */
export async function itemsPerSecond(
  run: (count: number) => Promise<void>,
  count: number,
  repeats = 3,
): Promise<number> {
  let best = 0
  for (let i = 0; i < repeats; i++) {
    const started = process.hrtime.bigint()
    await run(count)
    const seconds = Number(process.hrtime.bigint() - started) / 1e9
    best = Math.max(best, count / seconds)
  }
  return best
}
