// @opskit/reports: CSV vs csv-stringify, XLSX vs exceljs's WorkbookWriter as its README shows it,
// PDF pages/s, and peak RSS of each at 100k and 1M rows read from SQLite. Each case runs in a
// fresh child process (lib/reports-case.ts) so that its peak RSS is its own. The child runs that
// file transpiled to plain JavaScript (no tsx loader in the child: tsx alone adds ~40-55 MB of
// RSS to every process, which would be measured as if the libraries used it).
// Run: cd bench && node --expose-gc --import tsx reports.bench.ts [--quick]
import { execFileSync } from 'node:child_process'
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import ts from 'typescript'
import { type ComparisonRow, printRows } from './lib/compare.js'
import { seedSales } from './lib/reports-seed.js'

const quick = process.argv.includes('--quick')
const SIZES = quick ? [20_000, 100_000] : [100_000, 1_000_000]
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

try {
  const started = performance.now()
  seedSales(dbPath, Math.max(...SIZES))
  console.log(
    `seeded ${Math.max(...SIZES).toLocaleString('en-US')} rows in ${Math.round(performance.now() - started)} ms`,
  )
  const rows: ComparisonRow[] = []
  const memory: Record<string, number[]> = { csv: [], xlsx: [] }
  for (const size of SIZES) {
    const label = size >= 1_000_000 ? `${size / 1_000_000}M` : `${size / 1000}k`
    // Alternate the order so neither side always runs on a warmer page cache.
    const csvBase = run('csv-baseline', size)
    const csvOurs = run('csv-ours', size)
    const xlsxOurs = run('xlsx-ours', size)
    const xlsxBase = run('xlsx-baseline', size)
    memory.csv?.push(csvOurs.peakRss)
    memory.xlsx?.push(xlsxOurs.peakRss)
    rows.push(
      {
        case: `CSV ${label} rows/s (vs csv-stringify)`,
        ours: perSecond(csvOurs),
        baseline: perSecond(csvBase),
        unit: 'rows/s',
        target: '>= 0.85x',
      },
      {
        case: `CSV ${label} peak RSS`,
        ours: mb(csvOurs.peakRss),
        baseline: mb(csvBase.peakRss),
        unit: 'MB',
        higherIsBetter: false,
      },
      {
        case: `XLSX ${label} rows/s (vs exceljs WorkbookWriter)`,
        ours: perSecond(xlsxOurs),
        baseline: perSecond(xlsxBase),
        unit: 'rows/s',
        target: '> 1x',
      },
      {
        case: `XLSX ${label} peak RSS`,
        ours: mb(xlsxOurs.peakRss),
        baseline: mb(xlsxBase.peakRss),
        unit: 'MB',
        higherIsBetter: false,
        target: '<= 0.5x',
      },
      {
        case: `XLSX ${label} file size`,
        ours: mb(xlsxOurs.bytes),
        baseline: mb(xlsxBase.bytes),
        unit: 'MB',
        higherIsBetter: false,
      },
    )
  }
  const floor = run('floor', 0)
  rows.push({
    case: 'process floor (Node, better-sqlite3, Kysely, db open; no work)',
    ours: mb(floor.peakRss),
    baseline: mb(floor.peakRss),
    unit: 'MB',
    higherIsBetter: false,
  })
  printRows('@opskit/reports vs baselines (SQLite source, one child process per case)', rows)
  const pdf = run('pdf-ours', PDF_ROWS)
  console.log(
    `\nPDF: ${PDF_ROWS.toLocaleString('en-US')} rows, ${pdf.pages} pages in ${Math.round(pdf.ms)} ms = ${((pdf.pages ?? 0) / (pdf.ms / 1000)).toFixed(1)} pages/s, ${mb(pdf.bytes).toFixed(1)} MB, peak RSS ${mb(pdf.peakRss).toFixed(0)} MB`,
  )
  for (const [format, values] of Object.entries(memory)) {
    const [small = 1, large = 1] = values
    const above = (large - floor.peakRss) / Math.max(1, small - floor.peakRss)
    console.log(
      `memory ${format}: peak RSS ${SIZES[1]} rows / ${SIZES[0]} rows = ${(large / small).toFixed(2)}x (target <= 1.2x); above the process floor ${mb(small - floor.peakRss).toFixed(0)} MB -> ${mb(large - floor.peakRss).toFixed(0)} MB (${above.toFixed(2)}x)`,
    )
  }
} finally {
  rmSync(dir, { recursive: true, force: true })
}
