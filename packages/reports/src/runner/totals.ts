import type { ReportColumn, TotalKind } from '../definition/report-definition.js'
import { ReportsError } from '../errors/reports-error.js'
import type { TotalsLine } from '../render/renderer.js'
import type { Cell } from '../render/values.js'

const CURRENCY_CODE = /^[A-Z]{3}$/

/** One column's running total. Money totals remember their currency and refuse another one. */
interface Accumulator {
  add(cell: Cell, currency: string | null): void
  value(): Cell
}

function accumulate(kind: TotalKind, column: ReportColumn): Accumulator {
  let sum = 0
  let count = 0
  let best: Cell = null
  let currency: string | null | undefined
  return {
    add(cell, rowCurrency) {
      if (cell === null) return
      if (column.type === 'money') {
        if (currency === undefined) currency = rowCurrency
        else if (rowCurrency !== currency)
          throw new ReportsError(
            'REPORTS_MIXED_CURRENCIES',
            `the ${kind} of money column "${column.key}" would mix ${currency} and ${rowCurrency}: money is totalled per currency`,
            { details: { column: column.key, currencies: [currency, rowCurrency] } },
          )
      }
      count++
      if (kind === 'sum' || kind === 'avg') sum += cell as number
      else if (kind === 'min' && (best === null || cell < best)) best = cell
      else if (kind === 'max' && (best === null || cell > best)) best = cell
    },
    value() {
      switch (kind) {
        case 'sum':
          return Math.round(sum * 1e9) / 1e9
        case 'count':
          return count
        case 'avg':
          return count === 0 ? null : sum / count
        default:
          return best
      }
    },
  }
}

/** Running totals of a report, grouped by currency where money columns carry a per-row currency. */
export interface Totals {
  /** Adds one normalised row. */
  add(cells: readonly Cell[]): void
  /** One line per currency (sorted by code, rows without a currency last), or one line. */
  lines(): TotalsLine[]
  /** The one totals line; throws `REPORTS_MIXED_CURRENCIES` when the rows span several currencies. */
  single(): Cell[]
}

/**
 * Keeps the totals of `totalKinds` over normalised rows. With a per-row currency column, each
 * currency gets its own line and its own accumulators, so money is never summed across
 * currencies (the money accumulators also refuse a second currency, should a caller mix them).
 */
export function createTotals(
  columns: readonly ReportColumn[],
  totalKinds: Readonly<Record<string, TotalKind>>,
): Totals {
  const totalled = columns.flatMap((column, index) => {
    const kind = totalKinds[column.key]
    return kind ? [{ column, index, kind }] : []
  })
  const perRowKey = totalled.find((t) => t.column.format?.currencyColumn)?.column.format?.currencyColumn
  const currencyIndex = perRowKey ? columns.findIndex((column) => column.key === perRowKey) : -1
  const fixed = new Set(
    totalled.flatMap((t) => (t.column.format?.currency ? [t.column.format.currency] : [])),
  )
  const fixedCurrency = fixed.size === 1 ? ([...fixed][0] as string) : null
  const groups = new Map<string | null, Accumulator[]>()
  const group = (currency: string | null) => {
    let slots = groups.get(currency)
    if (!slots) {
      slots = totalled.map((t) => accumulate(t.kind, t.column))
      groups.set(currency, slots)
    }
    return slots
  }
  if (currencyIndex < 0) group(null)
  const line = (currency: string | null, slots: Accumulator[]): TotalsLine => {
    const cells = columns.map((): Cell => null)
    totalled.forEach((t, i) => {
      cells[t.index] = (slots[i] as Accumulator).value()
    })
    if (currencyIndex >= 0) cells[currencyIndex] = currency
    return { currency: currencyIndex >= 0 ? currency : fixedCurrency, cells }
  }
  return {
    add(cells) {
      const raw = currencyIndex >= 0 ? cells[currencyIndex] : null
      const currency = typeof raw === 'string' && CURRENCY_CODE.test(raw) ? raw : null
      const slots = group(currency)
      totalled.forEach((t, i) => {
        ;(slots[i] as Accumulator).add(cells[t.index] ?? null, t.column.format?.currency ?? currency)
      })
    },
    lines() {
      return [...groups]
        .sort(([a], [b]) => (a === null ? 1 : b === null ? -1 : a.localeCompare(b)))
        .map(([currency, slots]) => line(currency, slots))
    },
    single() {
      const all = this.lines()
      if (all.length > 1)
        throw new ReportsError(
          'REPORTS_MIXED_CURRENCIES',
          `the totals span ${all.map((l) => l.currency ?? 'no currency').join(', ')}: read one line per currency (totalLines)`,
        )
      return (
        all[0]?.cells ??
        line(
          null,
          totalled.map((t) => accumulate(t.kind, t.column)),
        ).cells
      )
    },
  }
}
