import type { Writable } from 'node:stream'
import { importOptional } from '@opskit/core/internal'
import type PDFKitModule from 'pdfkit'
import type { Renderer, RenderInput, TotalsLine } from '../render/renderer.js'
import { type Cell, humanRowFormatter } from '../render/values.js'
import { drawChart } from './pdf-chart.js'
import { PdfTable } from './pdf-table.js'

type PDFDocumentCtor = typeof PDFKitModule
type Doc = PDFKit.PDFDocument

/** Options of {@link createPdfRenderer}. */
export interface PdfOptions {
  /** Paper size. @default 'A4' */
  size?: 'A4' | 'LETTER'
  /** Orientation. @default 'landscape' */
  layout?: 'portrait' | 'landscape'
  /** Table font size in points. @default 8 */
  fontSize?: number
  /** Rows drawn at most; later rows still count for totals and a note says how many were left out. @default 20000 */
  maxRows?: number
  /** Lines a cell may wrap to before it is cut with an ellipsis. @default 6 */
  maxLinesPerCell?: number
  /** Label of the totals row. @default 'Total' */
  totalsLabel?: string
}

/**
 * PDF through pdfkit with a streaming table layout: a title block (title, parameters,
 * generation time), a table whose header repeats on every page, wrapped cells (never
 * overflowing), page numbers, a totals row and an optional bar/line chart drawn as vectors.
 * Pages are flushed as they fill, so memory does not grow with the row count. Loads `pdfkit`
 * on first use (an optional peer).
 */
export function createPdfRenderer(options: PdfOptions = {}): Renderer {
  let loaded: Promise<PDFDocumentCtor> | undefined
  const load = () => {
    loaded ??= importOptional<PDFDocumentCtor & { default?: PDFDocumentCtor }>(
      'pdfkit',
      '@opskit/reports/pdf',
    ).then((mod) => mod.default ?? mod)
    return loaded
  }
  const fontSize = options.fontSize ?? 8
  const maxRows = options.maxRows ?? 20_000
  const maxLines = options.maxLinesPerCell ?? 6
  const label = options.totalsLabel ?? 'Total'
  return {
    format: 'pdf',
    contentType: 'application/pdf',
    extension: 'pdf',
    async render(input: RenderInput, out: Writable): Promise<void> {
      const PDFDocument = await load()
      const doc: Doc = new PDFDocument({
        size: options.size ?? 'A4',
        layout: options.layout ?? 'landscape',
        margin: 36,
        bufferPages: false,
        info: { Title: input.title, Creator: '@opskit/reports' },
      })
      const finished = new Promise<void>((resolve, reject) => {
        out.once('finish', resolve)
        out.once('error', reject)
        doc.once('error', reject)
      })
      doc.pipe(out)
      await drawReport(doc, input, out, { fontSize, maxRows, maxLines, label })
      await finished
    },
  }
}

/** The whole document: title block, rows (up to `maxRows`), totals lines, the row-limit note, the chart. */
async function drawReport(
  doc: Doc,
  input: RenderInput,
  out: Writable,
  layout: { fontSize: number; maxRows: number; maxLines: number; label: string },
): Promise<void> {
  const table = new PdfTable(doc, input, out, layout)
  const human = humanRowFormatter(input.columns, input)
  table.titleBlock()
  let drawn = 0
  let skipped = 0
  for await (const cells of input.rows) {
    if (drawn >= layout.maxRows) {
      skipped++
      continue
    }
    await table.row(human(cells), 'body', drawn % 2 === 1)
    drawn++
  }
  // One totals line per currency: money is never summed across currencies.
  for (const line of input.totalLines())
    await table.row(totalTexts(input, human, line, layout.label), 'total', false)
  if (skipped > 0) {
    if (table.y + 20 > table.bottom()) await table.newPage(true)
    doc.font('Helvetica-Oblique').fontSize(8)
    doc.text(
      `${skipped} more rows not shown (PDF row limit ${layout.maxRows}); use CSV or XLSX for the full data.`,
      table.left,
      table.y + 6,
      { width: table.usable },
    )
    table.y = doc.y
  }
  if (input.chart) {
    const chartHeight = 200
    if (table.y + chartHeight + 40 > table.bottom()) await table.newPage(false)
    drawChart(doc, input, table.left, table.y + 16, table.usable, chartHeight)
  }
  table.footer()
  doc.end()
}

/** A totals line for people: the label first, counts as plain numbers, money in its currency. */
function totalTexts(
  input: RenderInput,
  human: (cells: readonly Cell[]) => string[],
  line: TotalsLine,
  label: string,
): string[] {
  const formatted = human(line.cells)
  return input.columns.map((column, i) => {
    const kind = input.totalKinds[column.key]
    const cell = line.cells[i] ?? null
    if (kind === 'count') return String(cell ?? 0)
    if (i === 0 && !kind) return cell === null ? label : `${label} ${formatted[i]}`
    return kind || cell !== null ? (formatted[i] as string) : ''
  })
}
