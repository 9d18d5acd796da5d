// One @opskit/reports benchmark case, run in its own process so that peak RSS is honest.
// Usage (reports.bench.ts runs it transpiled to .mjs, without tsx): node --expose-gc --import tsx lib/reports-case.ts <case> <rows> <sqlite file> <out file>
import { createWriteStream, readFileSync, statSync } from 'node:fs'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { openSqlite } from '@opskit/core/sqlite'

const [caseName = '', rowsText = '0', dbPath = '', outPath = ''] = process.argv.slice(2)
const limit = Number(rowsText)

let peakRss = process.memoryUsage().rss
const sampler = setInterval(() => {
  peakRss = Math.max(peakRss, process.memoryUsage().rss)
}, 10)

/**
 * The peak RSS of this program: the kernel's VmHWM on Linux. getrusage's maxRSS
 * (`process.resourceUsage()`) is no good here: Linux carries it across exec from the forked
 * image of the parent, so every case would read at least the bench process's own RSS at spawn
 * time (a 20k-row run measured the no-op floor at 79.4 MB that way, 64.5 MB by VmHWM).
 */
function peakRssOfThisProgram(): number {
  const status = process.platform === 'linux' ? readFileSync('/proc/self/status', 'utf8') : ''
  const kilobytes = /^VmHWM:\s+(\d+) kB$/m.exec(status)?.[1]
  return kilobytes ? Number(kilobytes) * 1024 : process.resourceUsage().maxRSS * 1024
}

/** The columns every case reads and writes, in order. */
const SALES_COLUMNS = [
  'id',
  'order_no',
  'customer',
  'email',
  'amount',
  'currency',
  'qty',
  'created_at',
  'status',
  'note',
] as const

/** The sales report's columns (the report of `ours`, the renderer of `xlsx-renderer-alone`). */
const SALES_REPORT_COLUMNS = [
  { key: 'id', header: 'id', type: 'integer' },
  { key: 'order_no', header: 'order_no', type: 'string' },
  { key: 'customer', header: 'customer', type: 'string' },
  { key: 'email', header: 'email', type: 'string' },
  { key: 'amount', header: 'amount', type: 'decimal' },
  { key: 'currency', header: 'currency', type: 'string' },
  { key: 'qty', header: 'qty', type: 'integer' },
  { key: 'created_at', header: 'created_at', type: 'datetime' },
  { key: 'status', header: 'status', type: 'string' },
  { key: 'note', header: 'note', type: 'string' },
] as const

const db = openSqlite(dbPath, { readonly: true })
const query = () =>
  db
    .selectFrom('sales')
    .select([...SALES_COLUMNS])
    .orderBy('id')
    .limit(limit)

// Each case imports only the libraries it uses, so its peak RSS holds those and no others.
const salesReport = async () => {
  const [{ defineReport }, { z }] = await Promise.all([import('@opskit/reports'), import('zod')])
  return defineReport({
    name: 'sales',
    title: 'Sales',
    params: z.object({}),
    columns: SALES_REPORT_COLUMNS,
    query: () => query(),
    totals: { amount: 'sum', qty: 'sum' },
  })
}

/** Sets @opskit/reports up as `ours` does: its imports, a store, the renderer and the report definition. */
async function setUpOurs(format: string) {
  const { createKyselyReportsStore, createMemoryStorage, createReports } = await import('@opskit/reports')
  const renderers =
    format === 'xlsx'
      ? [(await import('@opskit/reports/xlsx')).createXlsxRenderer()]
      : format === 'pdf'
        ? [(await import('@opskit/reports/pdf')).createPdfRenderer({ maxRows: limit })]
        : []
  // stream() records nothing; the store only has to exist (the bench's database is read-only).
  const scratch = openSqlite(':memory:')
  const reports = await createReports({
    db,
    readDb: db,
    store: await createKyselyReportsStore({ db: scratch }),
    storage: createMemoryStorage(),
    renderers,
  })
  const close = async () => {
    await reports.close()
    await scratch.destroy()
  }
  return { reports, report: await salesReport(), close }
}

async function ours(format: string) {
  const { reports, report, close } = await setUpOurs(format)
  await pipeline(reports.stream(report, {}, { format }), createWriteStream(outPath))
  await close()
}

/**
 * csv-stringify on the same row source as ours (the Kysely stream of the same query), with the
 * same output: header, CRLF, formula escaping, ISO dates (formatted in its `cast`, no extra stage).
 */
async function csvStringifyBaseline() {
  const { stringify } = await import('csv-stringify')
  const stringifier = stringify({
    header: true,
    record_delimiter: 'windows',
    escape_formulas: true,
    cast: {
      number: (value, context) =>
        context.column === 'created_at' ? new Date(value).toISOString() : String(value),
    },
    columns: [...SALES_COLUMNS],
  })
  await pipeline(Readable.from(query().stream()), stringifier, createWriteStream(outPath))
}

/**
 * exceljs's streaming writer as its README shows it. Without shared strings it writes inline
 * strings as ours does (the baseline); with them it keeps every distinct string in memory until
 * the end (a labelled extra case).
 */
async function exceljsBaseline(useSharedStrings: boolean) {
  const { default: ExcelJS } = await import('exceljs')
  const workbook = new ExcelJS.stream.xlsx.WorkbookWriter({
    filename: outPath,
    useStyles: true,
    useSharedStrings,
  })
  const sheet = workbook.addWorksheet('Sales')
  sheet.columns = [
    { header: 'id', key: 'id', width: 10 },
    { header: 'order_no', key: 'order_no', width: 14 },
    { header: 'customer', key: 'customer', width: 24 },
    { header: 'email', key: 'email', width: 24 },
    { header: 'amount', key: 'amount', width: 12, style: { numFmt: '#,##0.00' } },
    { header: 'currency', key: 'currency', width: 8 },
    { header: 'qty', key: 'qty', width: 8 },
    { header: 'created_at', key: 'created_at', width: 20, style: { numFmt: 'yyyy-mm-dd hh:mm:ss' } },
    { header: 'status', key: 'status', width: 10 },
    { header: 'note', key: 'note', width: 40 },
  ]
  for await (const row of query().stream()) {
    sheet.addRow({ ...row, created_at: new Date(Number(row.created_at)) }).commit()
  }
  sheet.commit()
  await workbook.commit()
}

/**
 * The row source alone: the same rows read the same way and dropped, no writer. Its peak RSS
 * holds what every case pays to read them: ~26 MB above the floor at 100k rows, SQLite's page
 * cache (better-sqlite3 is built with a 16 MB one; ~14 MB of it fills) and V8's young generation
 * (grown to 16 MB). Kysely's stream costs no more than better-sqlite3's own `iterate()` (within
 * 0.4 MB), so there is nothing to trim in the source itself; every case keeps SQLite's default
 * cache, as a host would (`pragma cache_size = -2000` lowers every case by ~14 MB, which would
 * only flatter the ratios).
 */
async function rowSource() {
  let rows = 0
  for await (const _row of query().stream()) rows++
  await new Promise<void>((resolve) => createWriteStream(outPath).end(String(rows), resolve))
}

/**
 * The XLSX renderer alone on the same rows (cells in column order, epoch ms for the instant),
 * with zod loaded as a host's report parameters load it, but no createReports, store, report
 * definition or root entry of @opskit/reports: the floor that trimming imports and set-up could
 * reach (not a way to use the package; no totals).
 */
async function xlsxRendererAlone() {
  const [{ createXlsxRenderer }] = await Promise.all([import('@opskit/reports/xlsx'), import('zod')])
  async function* cells() {
    for await (const row of query().stream()) yield SALES_COLUMNS.map((key) => row[key])
  }
  await createXlsxRenderer().render(
    {
      title: 'Sales',
      name: 'sales',
      columns: SALES_REPORT_COLUMNS,
      rows: cells(),
      params: {},
      generatedAt: new Date(),
      locale: 'en-US',
      timeZone: 'UTC',
      totalKinds: {},
      totalLines: () => [],
      totals: () => [],
      chartData: () => [],
      chartCurrency: () => null,
    },
    createWriteStream(outPath),
  )
}

/**
 * The row source after setting @opskit/reports up for XLSX (imports, store, report definition),
 * nothing rendered: what `xlsx-ours` pays before its writer writes a byte.
 */
async function rowSourceAfterOurSetup() {
  const { close } = await setUpOurs('xlsx')
  await rowSource()
  await close()
}

const started = performance.now()
if (caseName === 'csv-ours') await ours('csv')
else if (caseName === 'csv-baseline') await csvStringifyBaseline()
else if (caseName === 'xlsx-ours') await ours('xlsx')
else if (caseName === 'xlsx-baseline') await exceljsBaseline(false)
else if (caseName === 'xlsx-baseline-shared') await exceljsBaseline(true)
else if (caseName === 'pdf-ours') await ours('pdf')
else if (caseName === 'row-source') await rowSource()
else if (caseName === 'row-source-ours') await rowSourceAfterOurSetup()
else if (caseName === 'xlsx-renderer-alone') await xlsxRendererAlone()
else if (caseName === 'floor') createWriteStream(outPath).end()
else throw new Error(`unknown case ${caseName}`)
const ms = performance.now() - started
clearInterval(sampler)
const maxRss = peakRssOfThisProgram()
await db.destroy()
if (caseName === 'floor') await new Promise((resolve) => setTimeout(resolve, 50))
const pages =
  caseName === 'pdf-ours'
    ? (readFileSync(outPath, 'latin1').match(/\/Type \/Page\b(?!s)/g) ?? []).length
    : undefined
console.log(
  JSON.stringify({
    ms,
    rows: limit,
    bytes: statSync(outPath).size,
    peakRss: Math.max(peakRss, maxRss),
    pages,
  }),
)
