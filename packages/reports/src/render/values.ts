import { wallClock } from '@opskit/core/internal'
import type { ColumnType, ReportColumn } from '../definition/report-definition.js'

/**
 * A cell after normalisation: text for `string`, a number for numeric types, `YYYY-MM-DD` for
 * `date`, epoch milliseconds for `datetime`, or `null` when empty.
 */
export type Cell = string | number | null

const DATE_PREFIX = /^(\d{4})-(\d{2})-(\d{2})/
const pad = (n: number, width = 2) => String(n).padStart(width, '0')

function toNumber(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (typeof value === 'bigint') return Number(value)
  const parsed = Number(value)
  return Number.isFinite(parsed) ? parsed : null
}

function toDate(value: unknown): string | null {
  if (value === null || value === undefined || value === '') return null
  if (value instanceof Date) {
    // Drivers (pg) give SQL `date` values as local midnight: read the local calendar day.
    return `${pad(value.getFullYear(), 4)}-${pad(value.getMonth() + 1)}-${pad(value.getDate())}`
  }
  const text = String(value)
  const match = DATE_PREFIX.exec(text)
  return match ? `${match[1]}-${match[2]}-${match[3]}` : null
}

function toInstant(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null
  if (value instanceof Date) return Number.isNaN(value.getTime()) ? null : value.getTime()
  if (typeof value === 'number') return Number.isFinite(value) ? value : null
  if (typeof value === 'bigint') return Number(value)
  let text = String(value)
  // SQLite's `YYYY-MM-DD HH:MM:SS` has no zone: it is UTC by SQLite's own convention.
  if (/^\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}(:\d{2}(\.\d+)?)?$/.test(text)) text = `${text.replace(' ', 'T')}Z`
  const parsed = Date.parse(text)
  return Number.isNaN(parsed) ? null : parsed
}

function toText(value: unknown): string | null {
  if (value === null || value === undefined) return null
  if (value instanceof Date) return value.toISOString()
  if (typeof value === 'object') return JSON.stringify(value)
  return String(value)
}

/** Builds the normaliser of one column type. */
export function normaliserFor(type: ColumnType): (value: unknown) => Cell {
  switch (type) {
    case 'string':
      return toText
    case 'date':
      return toDate
    case 'datetime':
      return toInstant
    default:
      return toNumber
  }
}

/** Turns a query row into the cells of `columns`, in column order. */
export function createRowNormaliser(
  columns: readonly ReportColumn[],
): (row: Record<string, unknown>) => Cell[] {
  const keys = columns.map((column) => column.key)
  const normalisers = columns.map((column) => normaliserFor(column.type))
  const count = keys.length
  return (row) => {
    const cells = new Array<Cell>(count)
    for (let i = 0; i < count; i++)
      cells[i] = (normalisers[i] as (v: unknown) => Cell)(row[keys[i] as string])
    return cells
  }
}

/** A cell as a machine reads it: ISO dates, ISO UTC instants, plain numbers. */
export function machineValue(type: ColumnType, cell: Cell): string | number | null {
  if (cell === null) return null
  if (type === 'datetime') return new Date(cell as number).toISOString()
  return cell
}

export { isValidTimeZone, type WallClock, wallClock } from '@opskit/core/internal'

/** The calendar date (`YYYY-MM-DD`) of `epochMs` in `timeZone`. */
export function dateInZone(epochMs: number, timeZone: string): string {
  const w = wallClock(epochMs, timeZone)
  return `${pad(w.year, 4)}-${pad(w.month)}-${pad(w.day)}`
}

/** Locale and zone used to format values for people. */
export interface HumanFormatOptions {
  locale: string
  timeZone: string
}

/**
 * Builds the function that formats one column's cells for people (PDF, localized CSV). A money
 * cell is shown in `currency` when given (its row's currency), else in the column's fixed one.
 */
export function humanFormatter(
  column: ReportColumn,
  options: HumanFormatOptions,
): (cell: Cell, currency?: string | null) => string {
  const { locale, timeZone } = options
  const digits = column.format?.fractionDigits
  switch (column.type) {
    case 'string':
      return (cell) => (cell === null ? '' : String(cell))
    case 'integer': {
      const f = new Intl.NumberFormat(locale, { maximumFractionDigits: 0 })
      return (cell) => (cell === null ? '' : f.format(cell as number))
    }
    case 'decimal': {
      const f = new Intl.NumberFormat(locale, {
        minimumFractionDigits: digits ?? 2,
        maximumFractionDigits: digits ?? 2,
      })
      return (cell) => (cell === null ? '' : f.format(cell as number))
    }
    case 'money': {
      const formats = new Map<string, Intl.NumberFormat>()
      const formatIn = (currency: string | undefined) => {
        const key = currency ?? ''
        let f = formats.get(key)
        if (!f) {
          f = new Intl.NumberFormat(locale, {
            ...(currency ? { style: 'currency', currency } : {}),
            minimumFractionDigits: digits ?? 2,
            maximumFractionDigits: digits ?? 2,
          })
          formats.set(key, f)
        }
        return f
      }
      return (cell, currency) =>
        cell === null ? '' : formatIn(currency ?? column.format?.currency).format(cell as number)
    }
    case 'percent': {
      const f = new Intl.NumberFormat(locale, {
        style: 'percent',
        minimumFractionDigits: digits ?? 1,
        maximumFractionDigits: digits ?? 1,
      })
      return (cell) => (cell === null ? '' : f.format(cell as number))
    }
    case 'date': {
      const f = new Intl.DateTimeFormat(locale, { timeZone: 'UTC', dateStyle: 'medium' })
      return (cell) => {
        if (cell === null) return ''
        const [y, m, d] = String(cell).split('-').map(Number)
        return f.format(new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1)))
      }
    }
    case 'datetime': {
      const f = new Intl.DateTimeFormat(locale, {
        timeZone: timeZone,
        dateStyle: 'medium',
        timeStyle: 'short',
      })
      return (cell) => (cell === null ? '' : f.format(new Date(cell as number)))
    }
  }
}

/**
 * Builds the function that formats a whole row (or totals line) for people: money columns with
 * a `currencyColumn` are shown in the currency that row holds there.
 */
export function humanRowFormatter(
  columns: readonly ReportColumn[],
  options: HumanFormatOptions,
): (cells: readonly Cell[]) => string[] {
  const formatters = columns.map((column) => humanFormatter(column, options))
  const currencyIndexes = columns.map((column) => {
    const key = column.format?.currencyColumn
    return key ? columns.findIndex((other) => other.key === key) : -1
  })
  return (cells) =>
    formatters.map((format, i) => {
      const at = currencyIndexes[i] as number
      const currency = at >= 0 ? cells[at] : null
      return format(cells[i] ?? null, typeof currency === 'string' ? currency : null)
    })
}

/**
 * Prefixes `'` to every piece of a text value that a spreadsheet would otherwise evaluate as a
 * formula: its start and whatever follows a `,`, `;`, tab, `|` or line break (`neutraliseFormula`
 * of `@opskit/core`, shared with audit exports).
 */
export { neutraliseFormula as escapeFormula } from '@opskit/core/internal'
