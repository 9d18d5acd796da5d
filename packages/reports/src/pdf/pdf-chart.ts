import type { RenderInput } from '../render/renderer.js'
import { type Cell, humanFormatter } from '../render/values.js'
import { niceScale } from './nice-ticks.js'

type Doc = PDFKit.PDFDocument

const SERIES_COLORS = ['#2f6fb0', '#e07b39', '#3a9a5b', '#b0413e', '#7a5bb0']

/**
 * Draws the report's chart (bars or lines, one series per `y` column) as vectors in the box at
 * `x`/`top`: gridlines at nice ticks, category labels, a legend; one currency per chart.
 */
export function drawChart(
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
