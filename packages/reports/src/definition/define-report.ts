import type { input, output, ZodType } from 'zod'
import { ReportsError } from '../errors/reports-error.js'
import type { ReportColumn, ReportDefinition } from './report-definition.js'

const NAME = /^[a-z0-9][a-z0-9._-]{0,63}$/
const TYPES = new Set(['string', 'integer', 'decimal', 'money', 'percent', 'date', 'datetime'])
const NUMERIC = new Set(['integer', 'decimal', 'money', 'percent'])
const CURRENCY_CODE = /^[A-Z]{3}$/

function isKnownCurrency(code: string): boolean {
  try {
    new Intl.NumberFormat('en', { style: 'currency', currency: code })
    return CURRENCY_CODE.test(code)
  } catch {
    return false
  }
}

/** Checks that every money column names its currency, fixed or per row; returns a message or undefined. */
function currencyProblem(definition: { columns: readonly ReportColumn[] }): string | undefined {
  const types = new Map(definition.columns.map((column) => [column.key, column.type]))
  const dimensions = new Set<string>()
  for (const column of definition.columns) {
    const { currency, currencyColumn } = column.format ?? {}
    if (column.type !== 'money') {
      if (currency !== undefined || currencyColumn !== undefined)
        return `column "${column.key}" is ${column.type}: only money columns take a currency`
      continue
    }
    if ((currency === undefined) === (currencyColumn === undefined))
      return `money column "${column.key}" needs exactly one of format.currency (a fixed ISO 4217 code) or format.currencyColumn (the column holding each row's currency)`
    if (currency !== undefined && !isKnownCurrency(currency))
      return `money column "${column.key}": "${currency}" is not an ISO 4217 currency code`
    if (currencyColumn !== undefined) {
      if (types.get(currencyColumn) !== 'string')
        return `money column "${column.key}": currencyColumn "${currencyColumn}" must name a string column of the report`
      dimensions.add(currencyColumn)
    }
  }
  if (dimensions.size > 1)
    return `money columns take their currency from several columns (${[...dimensions].join(', ')}); use one`
  return undefined
}

/**
 * Declares a report: checks its shape once (unique column keys, every money column with its
 * currency, totals and chart pointing at existing numeric columns) and returns it unchanged,
 * typed by its parameter schema (the parsed output for `query`, the input for `reports.run`).
 *
 * @example
 * ```ts
 * const sales = defineReport({
 *   name: 'sales', title: 'Sales', params: z.object({ from: z.string() }),
 *   columns: [
 *     { key: 'day', header: 'Day', type: 'date' },
 *     { key: 'currency', header: 'Currency', type: 'string' },
 *     { key: 'revenue', header: 'Revenue', type: 'money', format: { currencyColumn: 'currency' } },
 *   ],
 *   query: (db, p) => db.selectFrom('orders').select(['day', 'currency', 'revenue']).where('day', '>=', p.from),
 *   totals: { revenue: 'sum' },
 * })
 * ```
 */
export function defineReport<S extends ZodType>(
  definition: Omit<ReportDefinition<output<S>, input<S>>, 'params'> & { params: S },
): ReportDefinition<output<S>, input<S>> {
  const fail = (message: string) =>
    new ReportsError('REPORTS_INVALID_DEFINITION', `report "${definition.name}": ${message}`)
  if (!NAME.test(definition.name)) throw fail('name must match /^[a-z0-9][a-z0-9._-]{0,63}$/')
  if (!definition.title) throw fail('title is required')
  if (definition.columns.length === 0) throw fail('at least one column is required')
  const types = new Map<string, string>()
  for (const column of definition.columns) {
    if (types.has(column.key)) throw fail(`column key "${column.key}" is repeated`)
    if (!TYPES.has(column.type)) throw fail(`column "${column.key}" has unknown type "${column.type}"`)
    types.set(column.key, column.type)
  }
  const currency = currencyProblem(definition)
  if (currency) throw fail(currency)
  for (const [key, kind] of Object.entries(definition.totals ?? {})) {
    const type = types.get(key)
    if (!type) throw fail(`totals name unknown column "${key}"`)
    if (kind !== 'count' && !NUMERIC.has(type) && !(kind === 'min' || kind === 'max'))
      throw fail(`totals "${kind}" needs a numeric column, "${key}" is ${type}`)
  }
  if (definition.chart) {
    if (!types.has(definition.chart.x)) throw fail(`chart.x names unknown column "${definition.chart.x}"`)
    if (definition.chart.y.length === 0) throw fail('chart.y needs at least one column')
    for (const key of definition.chart.y) {
      if (!NUMERIC.has(types.get(key) ?? '')) throw fail(`chart.y column "${key}" must be numeric`)
    }
  }
  return definition as ReportDefinition<output<S>, input<S>>
}
