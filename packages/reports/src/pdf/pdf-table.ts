import type { Writable } from 'node:stream'
import type { ColumnType, ReportColumn } from '../definition/report-definition.js'
import type { RenderInput } from '../render/renderer.js'
import { waitForDrain } from '../render/text-sink.js'

type Doc = PDFKit.PDFDocument

const WEIGHT: Record<ColumnType, number> = {
  string: 3,
  integer: 1.2,
  decimal: 1.5,
  money: 1.8,
  percent: 1.2,
  date: 1.6,
  datetime: 2.4,
}
const NUMERIC = new Set<ColumnType>(['integer', 'decimal', 'money', 'percent'])
const PAD = 3

/** How a table row is drawn: the shaded header, a (zebra) body row, or a bold totals row. */
export type RowStyle = 'header' | 'body' | 'total'

function paramText(value: unknown): string {
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'object' && value !== null) return JSON.stringify(value)
  return String(value)
}

/**
 * The streaming table layout of a PDF report: fixed column widths from the column types, rows
 * that wrap inside their cells (cut after `maxLines`), the header repeated on every page, `Page N`
 * footers. It keeps the cursor (`y`) and the page number; a new page waits for `out` to drain.
 */
export class PdfTable {
  /** Left edge of the table. */
  readonly left: number
  /** Width between the margins. */
  readonly usable: number
  /** The current vertical position. */
  y: number
  private page = 1
  private readonly widths: number[]
  private readonly xs: number[]
  private readonly lineHeight: number
  private readonly headerTexts: string[]
  private readonly headerHeight: number

  constructor(
    private readonly doc: Doc,
    private readonly input: RenderInput,
    private readonly out: Writable,
    private readonly layout: { fontSize: number; maxLines: number },
  ) {
    const columns: readonly ReportColumn[] = input.columns
    this.left = doc.page.margins.left
    this.usable = doc.page.width - this.left - doc.page.margins.right
    const weights = columns.map((c) => c.format?.width ?? WEIGHT[c.type])
    const weightSum = weights.reduce((a, b) => a + b, 0)
    this.widths = weights.map((w) => (w / weightSum) * this.usable)
    this.xs = this.widths.map((_, i) => this.left + this.widths.slice(0, i).reduce((a, b) => a + b, 0))
    this.lineHeight = doc.font('Helvetica').fontSize(layout.fontSize).currentLineHeight(true)
    this.y = doc.page.margins.top
    this.headerTexts = columns.map((c) => c.header)
    this.headerHeight = this.measure(this.headerTexts, true)
  }

  /** The lowest `y` a row may reach on this page (above the footer). */
  bottom(): number {
    return this.doc.page.height - this.doc.page.margins.bottom - 14
  }

  /** Title, generation time and zone, parameters; then the first header row. */
  titleBlock(): void {
    const { doc, input, left, usable } = this
    doc.font('Helvetica-Bold').fontSize(16).text(input.title, left, this.y, { width: usable })
    this.y = doc.y + 4
    const generated = new Intl.DateTimeFormat(input.locale, {
      timeZone: input.timeZone,
      dateStyle: 'medium',
      timeStyle: 'medium',
    }).format(input.generatedAt)
    doc.font('Helvetica').fontSize(9).fillColor('#333333')
    doc.text(`Generated ${generated} (${input.timeZone})`, left, this.y, { width: usable })
    const paramLine = Object.entries(input.params)
      .filter(([, value]) => value !== undefined)
      .map(([key, value]) => `${key}: ${paramText(value)}`)
      .join('   ')
    if (paramLine)
      doc.text(`Parameters: ${paramLine}`, left, doc.y + 2, { width: usable, height: 40, ellipsis: true })
    doc.fillColor('#000000')
    this.y = doc.y + 10
    this.drawRow(this.headerTexts, this.headerHeight, 'header', false)
  }

  /** Height of a row of these texts (wrapped, at most `maxLines` lines per cell), padding included. */
  measure(texts: string[], bold: boolean): number {
    const { doc } = this
    doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(this.layout.fontSize)
    const maxCellHeight = this.lineHeight * this.layout.maxLines
    let height = this.lineHeight
    for (let i = 0; i < texts.length; i++) {
      const text = texts[i] as string
      const width = (this.widths[i] as number) - 2 * PAD
      if (text.length === 0 || doc.widthOfString(text) <= width) continue
      height = Math.max(height, Math.min(maxCellHeight, doc.heightOfString(text, { width })))
    }
    return height + 2 * PAD
  }

  /** Draws a row at the cursor and moves the cursor below it. */
  drawRow(texts: string[], height: number, style: RowStyle, zebra: boolean): void {
    const { doc, left, usable, y } = this
    if (style === 'header') doc.rect(left, y, usable, height).fill('#e8eef4')
    else if (zebra) doc.rect(left, y, usable, height).fill('#f6f6f6')
    doc
      .fillColor('#000000')
      .font(style === 'body' ? 'Helvetica' : 'Helvetica-Bold')
      .fontSize(this.layout.fontSize)
    for (let i = 0; i < texts.length; i++) {
      const column = this.input.columns[i]
      doc.text(texts[i] as string, (this.xs[i] as number) + PAD, y + PAD, {
        width: (this.widths[i] as number) - 2 * PAD,
        height: height - 2 * PAD,
        ellipsis: true,
        // Numbers and their headers line up on the right.
        align: column && NUMERIC.has(column.type) ? 'right' : 'left',
      })
    }
    if (style !== 'body') {
      doc
        .moveTo(left, style === 'header' ? y + height : y)
        .lineTo(left + usable, style === 'header' ? y + height : y)
        .lineWidth(0.5)
        .strokeColor('#888888')
        .stroke()
    }
    this.y = y + height
  }

  /** Draws a row, on a new page (header repeated) when it does not fit on this one. */
  async row(texts: string[], style: Exclude<RowStyle, 'header'>, zebra: boolean): Promise<void> {
    const height = this.measure(texts, style !== 'body')
    if (this.y + height > this.bottom()) await this.newPage(true)
    this.drawRow(texts, height, style, zebra)
  }

  /** Ends the page with its footer and starts the next (with the header row when `header`). */
  async newPage(header: boolean): Promise<void> {
    this.footer()
    this.doc.addPage()
    this.page++
    this.y = this.doc.page.margins.top
    if (!header) return
    this.drawRow(this.headerTexts, this.headerHeight, 'header', false)
    if (this.out.writableNeedDrain) await waitForDrain(this.out)
    await new Promise<void>((resolve) => setImmediate(resolve))
  }

  /** The report title and `Page N` at the foot of the current page. */
  footer(): void {
    const { doc, left, usable } = this
    const margin = doc.page.margins.bottom
    doc.page.margins.bottom = 0
    doc.font('Helvetica').fontSize(7).fillColor('#555555')
    const fy = doc.page.height - margin + 8
    doc.text(this.input.title, left, fy, { width: usable / 2, lineBreak: false, ellipsis: true })
    doc.text(`Page ${this.page}`, left + usable / 2, fy, {
      width: usable / 2,
      align: 'right',
      lineBreak: false,
    })
    doc.page.margins.bottom = margin
    doc.fillColor('#000000')
  }
}
