import { setBounded } from '@opskit/core/internal'
import type { Context } from 'liquidjs'

/** What LiquidJS binds `this` to in a filter (the part the filters read). */
interface FilterImpl {
  context: Context
}

/** The recipient's locale and time zone, handed to the filters through the render's globals. */
export const FORMAT_CONTEXT: unique symbol = Symbol('opskit.notify.format')

/** Where the format filters read the recipient's locale and time zone. */
export interface FormatContext {
  locale: string
  timeZone: string
}

const formatters = new Map<string, Intl.NumberFormat | Intl.DateTimeFormat>()
const MAX_FORMATTERS = 500

/** One Intl formatter per locale and options, built once (building them costs more than formatting). */
function cached<F extends Intl.NumberFormat | Intl.DateTimeFormat>(key: string, build: () => F): F {
  let formatter = formatters.get(key) as F | undefined
  if (!formatter) {
    formatter = build()
    setBounded(formatters, key, formatter, MAX_FORMATTERS)
  }
  return formatter
}

function formatContext(filter: FilterImpl): FormatContext {
  const context = (filter.context.globals as Record<symbol, FormatContext | undefined>)[FORMAT_CONTEXT]
  return context ?? { locale: 'en', timeZone: 'UTC' }
}

function toNumber(value: unknown, filter: string): number {
  if (typeof value === 'number' && Number.isFinite(value)) return value
  const number = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
  if (typeof number !== 'number' || !Number.isFinite(number)) {
    throw new TypeError(`${filter}: ${JSON.stringify(value)} is not a number`)
  }
  return number
}

function digitsOption(digits: unknown, fallback: number | undefined) {
  const value = digits === undefined ? fallback : toNumber(digits, 'digits')
  return value === undefined ? {} : { minimumFractionDigits: value, maximumFractionDigits: value }
}

/** The formatter `money` used last, with what it was built for. */
let lastMoney:
  | { locale: string; currency: unknown; digits: unknown; formatter: Intl.NumberFormat }
  | undefined

/**
 * `{{ amount | money: 'EUR' }}`: an amount in the currency's main unit, in the recipient's locale
 * (`12,50 €` for `de`), with 2 fraction digits unless given (`| money: 'JPY', 0`) — the format of
 * the reports' money columns.
 */
function money(this: FilterImpl, value: unknown, currency: unknown, digits?: unknown): string {
  const { locale } = formatContext(this)
  // a render formats its amounts in one locale and currency: the last formatter, without a key
  const last = lastMoney
  if (last && last.locale === locale && last.currency === currency && last.digits === digits) {
    return last.formatter.format(toNumber(value, 'money'))
  }
  const key = `m|${locale}|${currency}|${digits}`
  let formatter = formatters.get(key) as Intl.NumberFormat | undefined
  if (!formatter) {
    if (typeof currency !== 'string' || !/^[A-Z]{3}$/.test(currency)) {
      throw new TypeError(
        `money: the currency must be an ISO 4217 code such as 'EUR', not ${JSON.stringify(currency)}`,
      )
    }
    formatter = cached(
      key,
      () => new Intl.NumberFormat(locale, { style: 'currency', currency, ...digitsOption(digits, 2) }),
    )
  }
  lastMoney = { locale, currency, digits, formatter }
  return formatter.format(toNumber(value, 'money'))
}

/** `{{ count | number }}` in the recipient's locale (`1.234,5` for `de`); `| number: 2` fixes the fraction digits. */
function number(this: FilterImpl, value: unknown, digits?: unknown): string {
  const { locale } = formatContext(this)
  return cached(
    `n|${locale}|${String(digits)}`,
    () => new Intl.NumberFormat(locale, digitsOption(digits, undefined)),
  ).format(toNumber(value, 'number'))
}

/** `{{ ratio | percent }}`: 0.125 → `12.5%` (`12,5 %` for `de`), 1 fraction digit unless given. */
function percent(this: FilterImpl, value: unknown, digits?: unknown): string {
  const { locale } = formatContext(this)
  return cached(
    `p|${locale}|${String(digits)}`,
    () => new Intl.NumberFormat(locale, { style: 'percent', ...digitsOption(digits, 1) }),
  ).format(toNumber(value, 'percent'))
}

const STYLES = new Set(['full', 'long', 'medium', 'short', 'none'])

function toDate(value: unknown): Date {
  const date =
    value instanceof Date
      ? value
      : typeof value === 'number' || typeof value === 'string'
        ? new Date(value)
        : undefined
  if (!date || Number.isNaN(date.getTime()))
    throw new TypeError(`datetime: ${JSON.stringify(value)} is not a date`)
  return date
}

/**
 * `{{ startsAt | datetime }}`: an instant (ISO string, epoch ms or Date) in the recipient's locale
 * and time zone, date `medium` and time `short` as the reports print instants; `| datetime:
 * 'long', 'none'` gives a long date alone (styles `full`, `long`, `medium`, `short`, `none`).
 */
function datetime(
  this: FilterImpl,
  value: unknown,
  dateStyle: unknown = 'medium',
  timeStyle: unknown = 'short',
): string {
  for (const style of [dateStyle, timeStyle]) {
    if (typeof style !== 'string' || !STYLES.has(style)) {
      throw new TypeError(
        `datetime: style ${JSON.stringify(style)} is not one of full, long, medium, short, none`,
      )
    }
  }
  const { locale, timeZone } = formatContext(this)
  const options: Intl.DateTimeFormatOptions = {
    timeZone,
    ...(dateStyle === 'none' ? {} : { dateStyle: dateStyle as Intl.DateTimeFormatOptions['dateStyle'] }),
    ...(timeStyle === 'none' ? {} : { timeStyle: timeStyle as Intl.DateTimeFormatOptions['timeStyle'] }),
  }
  return cached(
    `d|${locale}|${timeZone}|${String(dateStyle)}|${String(timeStyle)}`,
    () => new Intl.DateTimeFormat(locale, options),
  ).format(toDate(value))
}

/** The locale-aware filters, by name. */
export const formatFilters = { money, number, percent, datetime } as const
