import type { Writable } from 'node:stream'
import { importOptional } from '@opskit/core'
import type PDFKitModule from 'pdfkit'
import type { ColumnType } from '../definition/report-definition.js'
import type { Renderer, RenderInput, TotalsLine } from '../render/renderer.js'
import { waitForDrain } from '../render/text-sink.js'
import { type Cell, humanFormatter, humanRowFormatter } from '../render/values.js'
import { niceScale } from './nice-ticks.js'

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
const SERIES_COLORS = ['#2f6fb0', '#e07b39', '#3a9a5b', '#b0413e', '#7a5bb0']
const PAD = 3

function paramText(value: unknown): string {
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'object' && value !== null) return JSON.stringify(value)
  return String(value)
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
      const columns = input.columns
      const human = humanRowFormatter(columns, input)
      const label = options.totalsLabel ?? 'Total'
      /** A totals line for people: the label first, counts as plain numbers, money in its currency. */
      const totalTexts = (line: TotalsLine) => {
        const formatted = human(line.cells)
        return columns.map((column, i) => {
          const kind = input.totalKinds[column.key]
          const cell = line.cells[i] ?? null
          if (kind === 'count') return String(cell ?? 0)
          if (i === 0 && !kind) return cell === null ? label : `${label} ${formatted[i]}`
          return kind || cell !== null ? (formatted[i] as string) : ''
        })
      }
      const left = doc.page.margins.left
      const usable = doc.page.width - left - doc.page.margins.right
      const weights = columns.map((c) => c.format?.width ?? WEIGHT[c.type])
      const weightSum = weights.reduce((a, b) => a + b, 0)
      const widths = weights.map((w) => (w / weightSum) * usable)
      const xs = widths.map((_, i) => left + widths.slice(0, i).reduce((a, b) => a + b, 0))
      const lineHeight = doc.font('Helvetica').fontSize(fontSize).currentLineHeight(true)
      const maxCellHeight = lineHeight * maxLines
      const bottom = () => doc.page.height - doc.page.margins.bottom - 14
      let page = 1
      let y = doc.page.margins.top

      const footer = () => {
        const margin = doc.page.margins.bottom
        doc.page.margins.bottom = 0
        doc.font('Helvetica').fontSize(7).fillColor('#555555')
        const fy = doc.page.height - margin + 8
        doc.text(input.title, left, fy, { width: usable / 2, lineBreak: false, ellipsis: true })
        doc.text(`Page ${page}`, left + usable / 2, fy, {
          width: usable / 2,
          align: 'right',
          lineBreak: false,
        })
        doc.page.margins.bottom = margin
        doc.fillColor('#000000')
      }

      const measure = (texts: string[], bold: boolean) => {
        doc.font(bold ? 'Helvetica-Bold' : 'Helvetica').fontSize(fontSize)
        let height = lineHeight
        for (let i = 0; i < texts.length; i++) {
          const text = texts[i] as string
          const width = (widths[i] as number) - 2 * PAD
          if (text.length === 0 || doc.widthOfString(text) <= width) continue
          height = Math.max(height, Math.min(maxCellHeight, doc.heightOfString(text, { width })))
        }
        return height + 2 * PAD
      }

      const drawRow = (
        texts: string[],
        height: number,
        style: 'header' | 'body' | 'total',
        zebra: boolean,
      ) => {
        if (style === 'header') doc.rect(left, y, usable, height).fill('#e8eef4')
        else if (zebra) doc.rect(left, y, usable, height).fill('#f6f6f6')
        doc
          .fillColor('#000000')
          .font(style === 'body' ? 'Helvetica' : 'Helvetica-Bold')
          .fontSize(fontSize)
        for (let i = 0; i < texts.length; i++) {
          const column = columns[i]
          doc.text(texts[i] as string, (xs[i] as number) + PAD, y + PAD, {
            width: (widths[i] as number) - 2 * PAD,
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
        y += height
      }

      const headerTexts = columns.map((c) => c.header)
      const headerHeight = measure(headerTexts, true)
      const newPage = async () => {
        footer()
        doc.addPage()
        page++
        y = doc.page.margins.top
        drawRow(headerTexts, headerHeight, 'header', false)
        if (out.writableNeedDrain) await waitForDrain(out)
        await new Promise<void>((resolve) => setImmediate(resolve))
      }

      // Title block.
      doc.font('Helvetica-Bold').fontSize(16).text(input.title, left, y, { width: usable })
      y = doc.y + 4
      const generated = new Intl.DateTimeFormat(input.locale, {
        timeZone: input.timeZone,
        dateStyle: 'medium',
        timeStyle: 'medium',
      }).format(input.generatedAt)
      doc.font('Helvetica').fontSize(9).fillColor('#333333')
      doc.text(`Generated ${generated} (${input.timeZone})`, left, y, { width: usable })
      const paramLine = Object.entries(input.params)
        .filter(([, value]) => value !== undefined)
        .map(([key, value]) => `${key}: ${paramText(value)}`)
        .join('   ')
      if (paramLine)
        doc.text(`Parameters: ${paramLine}`, left, doc.y + 2, { width: usable, height: 40, ellipsis: true })
      doc.fillColor('#000000')
      y = doc.y + 10
      drawRow(headerTexts, headerHeight, 'header', false)

      let drawn = 0
      let skipped = 0
      for await (const cells of input.rows) {
        if (drawn >= maxRows) {
          skipped++
          continue
        }
        const texts = human(cells)
        const height = measure(texts, false)
        if (y + height > bottom()) await newPage()
        drawRow(texts, height, 'body', drawn % 2 === 1)
        drawn++
      }

      // One totals line per currency: money is never summed across currencies.
      for (const line of input.totalLines()) {
        const texts = totalTexts(line)
        const height = measure(texts, true)
        if (y + height > bottom()) await newPage()
        drawRow(texts, height, 'total', false)
      }
      if (skipped > 0) {
        if (y + 20 > bottom()) await newPage()
        doc.font('Helvetica-Oblique').fontSize(8)
        doc.text(
          `${skipped} more rows not shown (PDF row limit ${maxRows}); use CSV or XLSX for the full data.`,
          left,
          y + 6,
          { width: usable },
        )
        y = doc.y
      }
      if (input.chart) {
        const chartHeight = 200
        if (y + chartHeight + 40 > bottom()) {
          footer()
          doc.addPage()
          page++
          y = doc.page.margins.top
        }
        drawChart(doc, input, left, y + 16, usable, chartHeight)
      }
      footer()
      doc.end()
      await finished
    },
  }
}

function drawChart(
  doc: Doc,
  input: RenderInput,
  x: number,
  top: number,
  width: number,
  height: number,
): void {
  const chart = input.chart
  if (!chart) return
  const points = input.chartData()
  const xColumn = input.columns.find((c) => c.key === chart.x)
  const label = xColumn ? humanFormatter(xColumn, input) : (cell: Cell) => String(cell ?? '')
  doc.font('Helvetica-Bold').fontSize(10).fillColor('#000000')
  const currency = input.chartCurrency()
  const caption = chart.title ?? `${chart.y.join(', ')} by ${chart.x}`
  doc.text(currency ? `${caption} (${currency})` : caption, x, top - 14, { width, lineBreak: false })
  const plotLeft = x + 40
  const plotWidth = width - 50
  const plotTop = top + 6
  const plotHeight = height - 40
  const values = points.flatMap((p) => p.slice(1).map((v) => (typeof v === 'number' ? v : 0)))
  const scale = niceScale(Math.min(0, ...values), Math.max(0, ...values))
  const yOf = (v: number) => plotTop + plotHeight - ((v - scale.min) / (scale.max - scale.min)) * plotHeight
  // Gridlines at the ticks, then the axes over them.
  doc.lineWidth(0.3).strokeColor('#dddddd')
  for (const tick of scale.ticks) {
    if (tick === 0) continue
    doc
      .moveTo(plotLeft, yOf(tick))
      .lineTo(plotLeft + plotWidth, yOf(tick))
      .stroke()
  }
  doc.lineWidth(0.5).strokeColor('#999999')
  doc
    .moveTo(plotLeft, plotTop)
    .lineTo(plotLeft, plotTop + plotHeight)
    .stroke()
  doc
    .moveTo(plotLeft, yOf(0))
    .lineTo(plotLeft + plotWidth, yOf(0))
    .stroke()
  doc.font('Helvetica').fontSize(6).fillColor('#333333')
  const tickFormat = new Intl.NumberFormat(input.locale, { maximumFractionDigits: 2, notation: 'compact' })
  for (const tick of scale.ticks) {
    doc.text(tickFormat.format(tick), x, yOf(tick) - 3, { width: 36, align: 'right', lineBreak: false })
  }
  if (points.length === 0) return
  const slot = plotWidth / points.length
  const series = chart.y.length
  const labelEvery = Math.max(1, Math.ceil(points.length / 20))
  // Each label is centred under its point, in the room of the points it stands for.
  const labelWidth = Math.max(slot * labelEvery, 20)
  points.forEach((point, index) => {
    if (index % labelEvery === 0) {
      doc
        .fillColor('#333333')
        .text(
          label(point[0] ?? null),
          plotLeft + (index + 0.5) * slot - labelWidth / 2,
          plotTop + plotHeight + 4,
          { width: labelWidth, align: 'center', lineBreak: false, ellipsis: true },
        )
    }
  })
  for (let s = 0; s < series; s++) {
    const color = SERIES_COLORS[s % SERIES_COLORS.length] as string
    if (chart.type === 'bar') {
      const barWidth = (slot * 0.8) / series
      points.forEach((point, index) => {
        const v = typeof point[s + 1] === 'number' ? (point[s + 1] as number) : 0
        const bx = plotLeft + index * slot + slot * 0.1 + s * barWidth
        const top0 = Math.min(yOf(v), yOf(0))
        doc.rect(bx, top0, barWidth, Math.abs(yOf(v) - yOf(0))).fill(color)
      })
    } else {
      doc.lineWidth(1.2).strokeColor(color)
      points.forEach((point, index) => {
        const v = typeof point[s + 1] === 'number' ? (point[s + 1] as number) : 0
        const px = plotLeft + index * slot + slot / 2
        if (index === 0) doc.moveTo(px, yOf(v))
        else doc.lineTo(px, yOf(v))
      })
      doc.stroke()
    }
    const header = input.columns.find((c) => c.key === chart.y[s])?.header ?? chart.y[s] ?? ''
    doc.rect(plotLeft + s * 110, plotTop + plotHeight + 18, 8, 8).fill(color)
    doc
      .fillColor('#000000')
      .fontSize(7)
      .text(header, plotLeft + s * 110 + 12, plotTop + plotHeight + 19, {
        width: 95,
        lineBreak: false,
        ellipsis: true,
      })
  }
}
