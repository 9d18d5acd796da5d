import type { Labels } from '../../labels/labels.js'
import { parseExpr } from '../../rules/promql/parser.js'

/** One step of an input series: a value, a staleness marker, or no sample (`_`). */
export type SeriesStep = { kind: 'value'; value: number } | { kind: 'stale' } | { kind: 'omitted' }

/** An input series of a rule test: metric name, labels, one step per `interval`. */
export interface InputSeries {
  name: string
  labels: Labels
  steps: SeriesStep[]
}

const NUMBER = String.raw`(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?|[Ii][Nn][Ff]|[Nn][Aa][Nn]`
/** `a`, `axN`, `a+bxN`, `a-bxN` where `a` is signed and `b` unsigned (promql's series_item). */
const VALUE_ITEM = new RegExp(`^([+-]?(?:${NUMBER}))(?:([+-])(${NUMBER}))?(?:x(\\d+))?$`)

/** The most steps one input series may expand to (`1x100000000000` would otherwise exhaust memory). */
export const MAX_SERIES_STEPS = 10_000_000

/** A stand-in metric name, so that the expression parser reads `{a="b"}` as a selector. */
const NAMELESS = '__opskit_nameless__'

function checkSize(steps: number): void {
  if (steps > MAX_SERIES_STEPS)
    throw new Error(
      `a series of more than ${MAX_SERIES_STEPS.toLocaleString('en-US')} steps is too long for a rule test`,
    )
}

function toNumber(text: string): number {
  const lower = text.toLowerCase().replace(/^\+/, '')
  if (lower === 'inf') return Number.POSITIVE_INFINITY
  if (lower === '-inf') return Number.NEGATIVE_INFINITY
  if (lower.endsWith('nan')) return Number.NaN
  return Number(lower)
}

/**
 * Expands promtool's value notation as promql's series description does: `_` (no sample),
 * `_xN` (N missing), `stale`, a number, `axN` (a, N+1 times), `a+bxN` / `a-bxN` (N+1 values
 * from a, adding ±b each step, accumulated in float64 as Prometheus does).
 */
export function expandValues(notation: string): SeriesStep[] {
  const steps: SeriesStep[] = []
  for (const item of notation.split(/\s+/)) {
    if (item === '') continue
    if (item === '_') {
      steps.push({ kind: 'omitted' })
      continue
    }
    const blanks = /^_x(\d+)$/.exec(item)
    if (blanks) {
      checkSize(steps.length + Number(blanks[1]))
      for (let i = 0; i < Number(blanks[1]); i++) steps.push({ kind: 'omitted' })
      continue
    }
    if (item === 'stale') {
      steps.push({ kind: 'stale' })
      continue
    }
    const match = VALUE_ITEM.exec(item)
    if (!match || (match[2] !== undefined && match[4] === undefined))
      throw new Error(`unexpected "${item}" in series values (expected a number, "stale", "_" or a+bxN)`)
    let value = toNumber(match[1] as string)
    const times = match[4] === undefined ? 0 : Number(match[4])
    checkSize(steps.length + times + 1)
    const step = match[2] === undefined ? 0 : toNumber(match[3] as string) * (match[2] === '-' ? -1 : 1)
    for (let i = 0; i <= times; i++) {
      steps.push({ kind: 'value', value })
      value += step
    }
  }
  return steps
}

/**
 * Parses a series like `http_requests_total{job="api", code="500"}` (or `{__name__="x"}`) into its
 * name and labels; only `=` matchers are allowed.
 */
export function parseSeriesLabels(text: string): { name: string; labels: Labels } {
  const trimmed = text.trim()
  if (trimmed === '' || trimmed === '{}') return { name: '', labels: {} }
  const nameless = trimmed.startsWith('{') && !/__name__\s*=/.test(trimmed)
  const expr = parseExpr(nameless ? `${NAMELESS}${trimmed}` : trimmed)
  if (expr.type !== 'selector' || expr.rangeMs !== undefined || expr.offsetMs !== undefined)
    throw new Error(`"${text}" is not a series (name{label="value", …})`)
  const labels: Labels = {}
  for (const matcher of expr.matchers) {
    if (matcher.op !== '=') throw new Error(`"${text}": a series has only = matchers`)
    labels[matcher.name] = matcher.value
  }
  return { name: nameless ? '' : expr.name, labels }
}

/** The input series of a test: `series` and `values` of each entry. */
export function parseInputSeries(entry: { series: string; values: string }): InputSeries {
  const { name, labels } = parseSeriesLabels(entry.series)
  if (name === '') throw new Error(`input series "${entry.series}" has no metric name`)
  return { name, labels, steps: expandValues(entry.values) }
}
