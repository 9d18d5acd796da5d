import type { AggregationOp, Expr, RangeFunction } from './ast.js'
import { parseSelectorArgument } from './parse-selector.js'
import type { TokenStream } from './token-stream.js'

/** What the call parsers need: the tokens and the expression parser for their arguments. */
export interface ParseContext {
  ts: TokenStream
  /** Parses a sub-expression whose operators bind tighter than `minPrecedence`. */
  expression(minPrecedence: number): Expr
}

const AGGREGATIONS = new Set<AggregationOp>([
  'sum',
  'avg',
  'min',
  'max',
  'count',
  'group',
  'stddev',
  'stdvar',
  'quantile',
  'topk',
  'bottomk',
])
/** Aggregations that take a parameter before their vector: `topk(3, x)`. */
const PARAMETRIC = new Set<AggregationOp>(['quantile', 'topk', 'bottomk'])
const RANGE_FNS = new Set<RangeFunction>([
  'rate',
  'irate',
  'deriv',
  'increase',
  'delta',
  'changes',
  'resets',
  'avg_over_time',
  'min_over_time',
  'max_over_time',
  'sum_over_time',
  'count_over_time',
  'last_over_time',
  'absent_over_time',
])

/** Whether an expression gives a scalar (a number, or arithmetic between numbers) or a vector. */
export function valueType(e: Expr): 'scalar' | 'vector' {
  if (e.type === 'number') return 'scalar'
  if (e.type === 'neg') return valueType(e.expr)
  if (e.type === 'binary')
    return valueType(e.left) === 'scalar' && valueType(e.right) === 'scalar' ? 'scalar' : 'vector'
  return 'vector'
}

/** Whether the identifier just read opens an aggregation (`sum(`, `sum by (…)`). */
export function isAggregationStart(ctx: ParseContext, word: string): boolean {
  const ts: TokenStream = ctx.ts
  return AGGREGATIONS.has(word as AggregationOp) && (ts.isOp('(') || ts.isWord('by') || ts.isWord('without'))
}

/** `op [by|without (labels)] ([param,] expr) [by|without (labels)]`, after the operator's name. */
export function parseAggregation(ctx: ParseContext, op: AggregationOp): Expr {
  const ts: TokenStream = ctx.ts
  let by: string[] | undefined
  let without: string[] | undefined
  const grouping = () => {
    if (ts.isWord('by')) {
      ts.next()
      by = ts.labelList()
    } else if (ts.isWord('without')) {
      ts.next()
      without = ts.labelList()
    }
  }
  grouping()
  ts.expectOp('(')
  let param: Expr | undefined
  if (PARAMETRIC.has(op)) {
    const at = ts.peek().pos
    param = ctx.expression(0)
    if (valueType(param) !== 'scalar') ts.fail(at, `${op}() takes a number before its vector`)
    ts.expectOp(',')
  }
  const at = ts.peek().pos
  const inner = ctx.expression(0)
  if (valueType(inner) !== 'vector') ts.fail(at, `${op}() takes a vector, not a number`)
  ts.expectOp(')')
  if (!by && !without) grouping()
  return {
    type: 'aggregation',
    op,
    expr: inner,
    ...(param ? { param } : {}),
    ...(by ? { by } : {}),
    ...(without ? { without } : {}),
  }
}

/**
 * A function call after its name, when `name(` is a known function: range functions,
 * `predict_linear`, `absent`, `histogram_quantile`. `undefined` when `name` is none of them.
 */
export function parseFunctionCall(ctx: ParseContext, name: string): Expr | undefined {
  const ts: TokenStream = ctx.ts
  if (!ts.isOp('(')) return undefined
  if (RANGE_FNS.has(name as RangeFunction)) {
    const selector = parseSelectorArgument(ts, name, true)
    ts.expectOp(')')
    return { type: 'range-fn', fn: name as RangeFunction, selector }
  }
  if (name === 'predict_linear') {
    const selector = parseSelectorArgument(ts, name, true)
    ts.expectOp(',')
    const at = ts.peek().pos
    const seconds = ctx.expression(0)
    if (valueType(seconds) !== 'scalar') ts.fail(at, 'predict_linear() takes a number of seconds')
    ts.expectOp(')')
    return { type: 'predict-linear', selector, seconds }
  }
  if (name === 'absent') {
    const selector = parseSelectorArgument(ts, name, false)
    ts.expectOp(')')
    return { type: 'absent', selector }
  }
  if (name === 'histogram_quantile') return parseHistogramQuantile(ctx)
  return undefined
}

function parseHistogramQuantile(ctx: ParseContext): Expr {
  const ts: TokenStream = ctx.ts
  ts.next()
  const q = ts.next()
  // as Prometheus: a φ outside [0, 1] gives ±Inf, NaN gives NaN (not an error)
  if (q.t !== 'num') ts.fail(q.pos, 'histogram_quantile needs a number as its quantile')
  ts.expectOp(',')
  const at = ts.peek().pos
  const inner = ctx.expression(0)
  if (valueType(inner) !== 'vector') ts.fail(at, 'histogram_quantile() takes a vector of buckets')
  ts.expectOp(')')
  return { type: 'quantile', q: q.v, expr: inner }
}
