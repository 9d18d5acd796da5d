import { MonitorError } from '../../errors/monitor-error.js'
import { type AggregationOp, type BinaryOp, COMPARISON_OPS, type Expr, type VectorMatching } from './ast.js'
import {
  isAggregationStart,
  type ParseContext,
  parseAggregation,
  parseFunctionCall,
  valueType,
} from './parse-calls.js'
import { parseSelector } from './parse-selector.js'
import { TokenStream } from './token-stream.js'

const PRECEDENCE: Record<string, number> = {
  or: 1,
  and: 2,
  unless: 2,
  '==': 3,
  '!=': 3,
  '>': 3,
  '<': 3,
  '>=': 3,
  '<=': 3,
  '+': 4,
  '-': 4,
  '*': 5,
  '/': 5,
}

/**
 * Parses a rule expression, a PromQL subset:
 * - selectors `name{label="v", other=~"re.*"}` (matchers `= != =~ !~`, anchored regexes), with
 *   `offset 1h` to read them as they were an hour before;
 * - `predict_linear(selector[range], seconds)`;
 * - range functions `rate|irate|deriv|increase|delta|changes|resets|avg_over_time|min_over_time|
 *   max_over_time|sum_over_time|count_over_time|last_over_time|absent_over_time(selector[5m])`;
 * - `absent(selector)`;
 * - `histogram_quantile(0.95, <vector of _bucket series>)`;
 * - aggregations `sum|avg|min|max|count|group|stddev|stdvar [by|without (labels)] (expr)`, and
 *   `quantile(φ, expr)`, `topk(k, expr)`, `bottomk(k, expr)` with the same grouping;
 * - arithmetic `+ - * /`, comparisons `> < >= <= == !=` (filtering), and `and`, `or`, `unless`,
 *   (`bool` after a comparison gives 1 or 0 instead of filtering),
 *   between a vector and a number, or between vectors matched on identical label sets or as
 *   `on(labels)` / `ignoring(labels)` say, many-to-one with `group_left(labels)` and one-to-many
 *   with `group_right(labels)`.
 */
export function parseExpr(source: string): Expr {
  if (typeof source !== 'string' || source.trim() === '')
    throw new MonitorError('MONITOR_INVALID_EXPRESSION', 'the expression is empty')
  const ts = new TokenStream(source)
  const ctx: ParseContext = { ts, expression: (minPrecedence) => parseBinary(ctx, minPrecedence) }
  const result = parseBinary(ctx, 0)
  const end = ts.peek()
  if (end.t !== 'eof') ts.fail(end.pos, 'unexpected trailing input')
  return result
}

/** A number, a parenthesised expression, a negation, a selector, a function call or an aggregation. */
function parsePrimary(ctx: ParseContext): Expr {
  const ts: TokenStream = ctx.ts
  const tk = ts.next()
  if (tk.t === 'num') return { type: 'number', value: tk.v }
  if (tk.t === 'op' && tk.v === '(') {
    const e = parseBinary(ctx, 0)
    ts.expectOp(')')
    return e
  }
  if (tk.t === 'op' && tk.v === '-') return { type: 'neg', expr: parsePrimary(ctx) }
  if (tk.t === 'op' && tk.v === '{') {
    ts.back()
    return parseSelector(ts, '', tk.pos)
  }
  if (tk.t !== 'id') ts.fail(tk.pos, 'expected a number, selector, function or aggregation')
  if (isAggregationStart(ctx, tk.v)) return parseAggregation(ctx, tk.v as AggregationOp)
  const call = parseFunctionCall(ctx, tk.v)
  if (call) return call
  if (ts.isOp('(')) ts.fail(tk.pos, `unknown function "${tk.v}"`)
  const sel = parseSelector(ts, tk.v, tk.pos)
  if (sel.rangeMs !== undefined) ts.fail(tk.pos, 'a range selector must be inside a range function')
  return sel
}

/** The binary operator at the current token, if any. */
function peekBinaryOp(ts: TokenStream): BinaryOp | undefined {
  const tk = ts.peek()
  if (tk.t === 'op' && tk.v in PRECEDENCE && tk.v !== 'or') return tk.v as BinaryOp
  if (tk.t === 'id' && (tk.v === 'and' || tk.v === 'or' || tk.v === 'unless')) return tk.v
  return undefined
}

/** Operators binding tighter than `minPrecedence`, left-associative (precedence climbing). */
function parseBinary(ctx: ParseContext, minPrecedence: number): Expr {
  const ts: TokenStream = ctx.ts
  let left = parsePrimary(ctx)
  for (;;) {
    const op = peekBinaryOp(ts)
    if (!op) break
    const precedence = PRECEDENCE[op] as number
    if (precedence <= minPrecedence) break
    const opPos = ts.next().pos
    let returnBool = false
    if (ts.isWord('bool')) {
      if (!COMPARISON_OPS.has(op))
        ts.fail(ts.peek().pos, 'the bool modifier can only follow a comparison operator')
      ts.next()
      returnBool = true
    }
    const matching = parseVectorMatching(ts, op)
    const right = parseBinary(ctx, precedence)
    checkOperands(ts, opPos, op, left, right, returnBool, matching)
    left = {
      type: 'binary',
      op,
      left,
      right,
      ...(matching ? { matching } : {}),
      ...(returnBool ? { returnBool } : {}),
    }
  }
  return left
}

/** `on(…)` / `ignoring(…)`, then `group_left(…)` / `group_right(…)`, after a binary operator. */
function parseVectorMatching(ts: TokenStream, op: BinaryOp): VectorMatching | undefined {
  const at = ts.peek().pos
  if (!ts.isWord('on') && !ts.isWord('ignoring')) {
    if (ts.isWord('group_left') || ts.isWord('group_right'))
      ts.fail(at, 'group_left/group_right need on(…) or ignoring(…) before them')
    return undefined
  }
  const on = (ts.next() as { v: string }).v === 'on'
  const labels = ts.labelList()
  if (!ts.isWord('group_left') && !ts.isWord('group_right')) return { on, labels }
  if (op === 'and' || op === 'or' || op === 'unless')
    ts.fail(ts.peek().pos, `no grouping allowed for "${op}"`)
  const side = (ts.next() as { v: string }).v === 'group_left' ? 'left' : 'right'
  const include = ts.isOp('(') ? ts.labelList() : []
  if (on) {
    const both = include.find((name) => labels.includes(name))
    if (both !== undefined) ts.fail(at, `label "${both}" is both matched on and included`)
  }
  return { on, labels, group: { side, include } }
}

/** Prometheus' type checks of a binary expression, made at parse time as its parser does. */
function checkOperands(
  ts: TokenStream,
  pos: number,
  op: BinaryOp,
  left: Expr,
  right: Expr,
  returnBool: boolean,
  matching: VectorMatching | undefined,
): void {
  const scalars = valueType(left) === 'scalar' || valueType(right) === 'scalar'
  if (COMPARISON_OPS.has(op) && !returnBool && valueType(left) === 'scalar' && valueType(right) === 'scalar')
    ts.fail(pos, 'comparisons between scalars must use the bool modifier')
  if ((op === 'and' || op === 'or' || op === 'unless') && scalars)
    ts.fail(pos, `set operator "${op}" not allowed in binary scalar expression`)
  if (matching && scalars) ts.fail(pos, 'vector matching only allowed between instant vectors')
}
