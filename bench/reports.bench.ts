// @opskit/reports: CSV vs csv-stringify and XLSX vs exceljs's WorkbookWriter (inline strings, as
// ours; shared strings as a labelled extra row) at 100k rows, PDF pages/s, and the constant-memory
// check: peak RSS of ours at 1M rows against 100k rows (target <= 1.2x). Each case runs in a fresh
// child process (lib/reports-case.ts) so that its peak RSS is its own; the cases alternate and
// each runs RUNS times; rows print min/median/max and a target is met when the medians meet it.
// The child runs that file transpiled to plain JavaScript (no tsx loader in the child: tsx alone
// adds ~40-55 MB of RSS to every process, which would be measured as if the libraries used it).
// XLSX peak RSS (issue 19, target <= 0.5x of exceljs): importing @opskit/reports no longer
// loads node:http/https/tls/dns (core loads them at the first outbound request), -0.9 MB of RSS
// at import, but the XLSX peak did not move beyond noise (A/B of core before/after, 7 alternating
// runs each on a loaded machine: medians 97.5 and 97.3 MB). The `xlsx-renderer-alone` row is the
// floor that trimming imports and set-up further could reach: the renderer on the same rows with
// zod loaded (a host's report params need it; ~3 MB) and nothing else of ours peaks ~1.5 MB below
// `xlsx-ours`, most of it the bench's scratch store (a second, in-memory SQLite migrated in the
// measured process). What remains above the row source is zod and the render, not imports.
// Run: cd bench && node --expose-gc --import tsx reports.bench.ts [--quick]
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ts from 'typescript'
import { alternate, printRows, ratioAbove, ratioAtLeast, ratioAtMost, spread } from './lib/compare.js'
import { seedSales } from './lib/reports-seed.js'

const quick = process.argv.includes('--quick')
const RUNS = 5
/** Rows of the speed comparisons (every case, baselines included). */
const SPEED_ROWS = quick ? 20_000 : 100_000
/** Rows of the constant-memory check (ours only), against SPEED_ROWS. */
const MEMORY_ROWS = quick ? 100_000 : 1_000_000
const PDF_ROWS = quick ? 2_000 : 10_000
const dir = mkdtempSync(join(tmpdir(), 'reports-bench-'))
const dbPath = join(dir, 'sales.db')

interface CaseResult {
  ms: number
  rows: number
  bytes: number
  peakRss: number
  pages?: number
}

/**
 * Transpiles lib/reports-case.ts (types stripped, imports untouched) next to bench's
 * node_modules so that its package imports resolve the same way.
 */
function compileCase(): string {
  const source = readFileSync(join(import.meta.dirname, 'lib/reports-case.ts'), 'utf8')
  const { outputText } = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022 },
  })
  const cache = join(import.meta.dirname, 'node_modules/.cache/opskit-reports-bench')
  mkdirSync(cache, { recursive: true })
  const file = join(cache, 'reports-case.mjs')
  writeFileSync(file, outputText)
  return file
}
const caseFile = compileCase()

function run(caseName: string, rows: number): CaseResult {
  const out = join(dir, `${caseName}-${rows}.out`)
  const output = execFileSync(
    process.execPath,
    ['--expose-gc', caseFile, caseName, String(rows), dbPath, out],
    { cwd: import.meta.dirname, encoding: 'utf8', maxBuffer: 1 << 20 },
  )
  rmSync(out, { force: true })
  return JSON.parse(output.trim().split('\n').pop() ?? '{}') as CaseResult
}

const mb = (bytes: number) => bytes / (1024 * 1024)
const perSecond = (r: CaseResult) => r.rows / (r.ms / 1000)

const label = (rows: number) => (rows >= 1_000_000 ? `${rows / 1_000_000}M` : `${rows / 1000}k`)

try {
  const started = performance.now()
  seedSales(dbPath, MEMORY_ROWS)
  console.log(
    `seeded ${MEMORY_ROWS.toLocaleString('en-US')} rows in ${Math.round(performance.now() - started)} ms`,
  )
  const speedCases = [
    'csv-ours',
    'csv-baseline',
    'xlsx-ours',
    'xlsx-baseline',
    'xlsx-baseline-shared',
    'row-source',
    'row-source-ours',
    'xlsx-renderer-alone',
    'floor',
  ]
  const speed = await alternate(
    Object.fromEntries(speedCases.map((name) => [name, () => run(name, name === 'floor' ? 0 : SPEED_ROWS)])),
    { runs: RUNS },
  )
  const large = await alternate(
    {
      'csv-ours': () => run('csv-ours', MEMORY_ROWS),
      'xlsx-ours': () => run('xlsx-ours', MEMORY_ROWS),
      'pdf-ours': () => run('pdf-ours', PDF_ROWS),
    },
    { runs: RUNS },
  )
  const rate = (runs: CaseResult[] | undefined) => spread((runs ?? []).map(perSecond))
  const rss = (runs: CaseResult[] | undefined) => spread((runs ?? []).map((r) => mb(r.peakRss)))
  const size = (runs: CaseResult[] | undefined) => spread((runs ?? []).map((r) => mb(r.bytes)))
  // Peak RSS above the no-op child's (its median), so Node's own baseline does not dilute the ratio.
  const floorRss = rss(speed.floor).median
  const rssAboveFloor = (runs: CaseResult[] | undefined) =>
    spread((runs ?? []).map((r) => mb(r.peakRss) - floorRss))
  const at = label(SPEED_ROWS)
  printRows(
    `@opskit/reports vs baselines, ${at} rows from SQLite, one child process per run, ${RUNS} alternating runs per case`,
    [
      {
        case: `CSV ${at} (vs csv-stringify, same row source)`,
        ours: rate(speed['csv-ours']),
        baseline: rate(speed['csv-baseline']),
        unit: 'rows/s',
        target: ratioAtLeast(0.85),
      },
      {
        case: `CSV ${at} peak RSS`,
        ours: rss(speed['csv-ours']),
        baseline: rss(speed['csv-baseline']),
        unit: 'MB',
        higherIsBetter: false,
      },
      {
        case: `XLSX ${at} (vs exceljs WorkbookWriter, inline strings)`,
        ours: rate(speed['xlsx-ours']),
        baseline: rate(speed['xlsx-baseline']),
        unit: 'rows/s',
        target: ratioAbove(1),
      },
      {
        case: `XLSX ${at} peak RSS (vs exceljs, inline strings)`,
        ours: rss(speed['xlsx-ours']),
        baseline: rss(speed['xlsx-baseline']),
        unit: 'MB',
        higherIsBetter: false,
        target: ratioAtMost(0.5),
      },
      {
        case: `extra: XLSX ${at} peak RSS above the process floor (vs exceljs, inline strings)`,
        ours: rssAboveFloor(speed['xlsx-ours']),
        baseline: rssAboveFloor(speed['xlsx-baseline']),
        unit: 'MB',
        higherIsBetter: false,
      },
      {
        case: `XLSX ${at} file size (vs exceljs, inline strings)`,
        ours: size(speed['xlsx-ours']),
        baseline: size(speed['xlsx-baseline']),
        unit: 'MB',
        higherIsBetter: false,
      },
      {
        case: `extra: XLSX ${at} vs exceljs with useSharedStrings: true (every distinct string held in memory)`,
        ours: rate(speed['xlsx-ours']),
        baseline: rate(speed['xlsx-baseline-shared']),
        unit: 'rows/s',
      },
      {
        case: `extra: XLSX ${at} peak RSS vs exceljs with useSharedStrings: true`,
        ours: rss(speed['xlsx-ours']),
        baseline: rss(speed['xlsx-baseline-shared']),
        unit: 'MB',
        higherIsBetter: false,
      },
      {
        case: `row source alone (the same ${at} rows read and dropped; no writer)`,
        ours: rss(speed['row-source']),
        unit: 'MB',
        higherIsBetter: false,
      },
      {
        case: `row source after setting @opskit/reports up for XLSX (imports incl. zod, store, report; nothing rendered)`,
        ours: rss(speed['row-source-ours']),
        unit: 'MB',
        higherIsBetter: false,
      },
      {
        case: `XLSX renderer alone (no createReports, store or root entry; zod loaded as a host's params load it)`,
        ours: rss(speed['xlsx-renderer-alone']),
        unit: 'MB',
        higherIsBetter: false,
      },
      {
        case: 'process floor (Node, better-sqlite3, Kysely, db open; no work)',
        ours: rss(speed.floor),
        unit: 'MB',
        higherIsBetter: false,
      },
    ],
  )
  const big = label(MEMORY_ROWS)
  printRows(
    `@opskit/reports: constant memory, peak RSS of ours at ${big} rows vs ${at} rows (each run its own child process)`,
    [
      {
        case: `CSV peak RSS, ${big} vs ${at} rows`,
        ours: rss(large['csv-ours']),
        baseline: rss(speed['csv-ours']),
        unit: 'MB',
        higherIsBetter: false,
        target: ratioAtMost(1.2),
      },
      {
        case: `XLSX peak RSS, ${big} vs ${at} rows`,
        ours: rss(large['xlsx-ours']),
        baseline: rss(speed['xlsx-ours']),
        unit: 'MB',
        higherIsBetter: false,
        target: ratioAtMost(1.2),
      },
      { case: `CSV ${big} rows`, ours: rate(large['csv-ours']), unit: 'rows/s' },
      { case: `XLSX ${big} rows`, ours: rate(large['xlsx-ours']), unit: 'rows/s' },
      {
        case: `PDF ${PDF_ROWS.toLocaleString('en-US')} rows (${large['pdf-ours']?.[0]?.pages} pages)`,
        ours: spread((large['pdf-ours'] ?? []).map((r) => (r.pages ?? 0) / (r.ms / 1000))),
        unit: 'pages/s',
      },
      { case: 'PDF peak RSS', ours: rss(large['pdf-ours']), unit: 'MB', higherIsBetter: false },
    ],
  )
} finally {
  rmSync(dir, { recursive: true, force: true })
}
