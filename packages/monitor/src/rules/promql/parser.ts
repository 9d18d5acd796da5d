import { MonitorError } from '../errors/monitor-error.js'
import {
  type AggregationOp,
  type BinaryOp,
  COMPARISON_OPS,
  type Expr,
  type LabelMatcher,
  type MatchOp,
  type RangeFunction,
  type VectorMatching,
} from './expr-ast.js'
import { fail, type Token, tokenize } from './expr-lexer.js'
import { compileMatcher, matches } from './matchers.js'

export { compileMatcher, matches }

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
  const tokens = tokenize(source)
  let p = 0
  const peek = () => tokens[p] as Token
  const next = () => tokens[p++] as Token
  const isOp = (v: string) => {
    const tk = peek()
    return tk.t === 'op' && tk.v === v
  }
  const expectOp = (v: string) => {
    const tk = next()
    if (tk.t !== 'op' || tk.v !== v) fail(source, tk.pos, `expected "${v}"`)
  }
  const isWord = (v: string) => {
    const tk = peek()
    return tk.t === 'id' && tk.v === v
  }

  const labelList = (): string[] => {
    expectOp('(')
    const names: string[] = []
    while (!isOp(')')) {
      const tk = next()
      if (tk.t !== 'id') fail(source, tk.pos, 'expected a label name')
      names.push(tk.v)
      if (!isOp(')')) expectOp(',')
    }
    expectOp(')')
    return names
  }

  const selector = (name: string, pos: number): Extract<Expr, { type: 'selector' }> => {
    const matchers: LabelMatcher[] = []
    let metric = name
    if (isOp('{')) {
      next()
      while (!isOp('}')) {
        const label = next()
        if (label.t !== 'id') fail(source, label.pos, 'expected a label name')
        const op = next()
        if (op.t !== 'op' || !['=', '!=', '=~', '!~'].includes(op.v))
          fail(source, op.pos, 'expected = != =~ or !~')
        const value = next()
        if (value.t !== 'str') fail(source, value.pos, 'expected a quoted label value')
        if (label.v === '__name__' && op.v === '=') metric = value.v
        else matchers.push(matcherAt(label.v, op.v as MatchOp, value.v, source, value.pos))
        if (!isOp('}')) expectOp(',')
      }
      expectOp('}')
    }
    if (!metric) fail(source, pos, 'a selector needs a metric name')
    const sel: Extract<Expr, { type: 'selector' }> = { type: 'selector', name: metric, matchers }
    if (isOp('[')) {
      next()
      const d = next()
      if (d.t !== 'dur' || d.v <= 0) fail(source, d.pos, 'expected a positive duration such as 5m')
      expectOp(']')
      sel.rangeMs = d.v
    }
    if (isWord('offset')) {
      next()
      const d = next()
      if (d.t !== 'dur' || d.v <= 0)
        fail(source, d.pos, 'expected a positive duration such as 1h after offset')
      sel.offsetMs = d.v
    }
    return sel
  }

  /** The selector that opens the arguments of `fn(`: with a `[range]` when `ranged`, without one otherwise. */
  const selectorArgument = (fn: string, ranged: boolean): Extract<Expr, { type: 'selector' }> => {
    expectOp('(')
    const name = next()
    if (name.t !== 'id' && !(name.t === 'op' && name.v === '{'))
      fail(source, name.pos, `${fn}() takes a ${ranged ? 'range ' : ''}selector`)
    if (name.t === 'op') p--
    const sel = selector(name.t === 'id' ? name.v : '', name.pos)
    if (ranged && sel.rangeMs === undefined) fail(source, name.pos, `${fn}() needs a range such as [5m]`)
    if (!ranged && sel.rangeMs !== undefined)
      fail(source, name.pos, `${fn}() takes no range: use ${fn}_over_time()`)
    return sel
  }

  const primary = (): Expr => {
    const tk = next()
    if (tk.t === 'num') return { type: 'number', value: tk.v }
    if (tk.t === 'op' && tk.v === '(') {
      const e = expr(0)
      expectOp(')')
      return e
    }
    if (tk.t === 'op' && tk.v === '-') return { type: 'neg', expr: primary() }
    if (tk.t === 'op' && tk.v === '{') {
      p--
      return selector('', tk.pos)
    }
    if (tk.t !== 'id') fail(source, tk.pos, 'expected a number, selector, function or aggregation')
    if (AGGREGATIONS.has(tk.v as AggregationOp) && (isOp('(') || isWord('by') || isWord('without'))) {
      let by: string[] | undefined
      let without: string[] | undefined
      const grouping = () => {
        if (isWord('by')) {
          next()
          by = labelList()
        } else if (isWord('without')) {
          next()
          without = labelList()
        }
      }
      grouping()
      expectOp('(')
      const op = tk.v as AggregationOp
      let param: Expr | undefined
      if (PARAMETRIC.has(op)) {
        const at = peek().pos
        param = expr(0)
        if (valueType(param) !== 'scalar') fail(source, at, `${op}() takes a number before its vector`)
        expectOp(',')
      }
      const at = peek().pos
      const inner = expr(0)
      if (valueType(inner) !== 'vector') fail(source, at, `${op}() takes a vector, not a number`)
      expectOp(')')
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
    if (RANGE_FNS.has(tk.v as RangeFunction) && isOp('(')) {
      const sel = selectorArgument(tk.v, true)
      expectOp(')')
      return { type: 'range-fn', fn: tk.v as RangeFunction, selector: sel }
    }
    if (tk.v === 'predict_linear' && isOp('(')) {
      const sel = selectorArgument(tk.v, true)
      expectOp(',')
      const at = peek().pos
      const seconds = expr(0)
      if (valueType(seconds) !== 'scalar') fail(source, at, 'predict_linear() takes a number of seconds')
      expectOp(')')
      return { type: 'predict-linear', selector: sel, seconds }
    }
    if (tk.v === 'absent' && isOp('(')) {
      const sel = selectorArgument(tk.v, false)
      expectOp(')')
      return { type: 'absent', selector: sel }
    }
    if (tk.v === 'histogram_quantile' && isOp('(')) {
      next()
      const q = next()
      // as Prometheus: a φ outside [0, 1] gives ±Inf, NaN gives NaN (not an error)
      if (q.t !== 'num') fail(source, q.pos, 'histogram_quantile needs a number as its quantile')
      expectOp(',')
      const at = peek().pos
      const inner = expr(0)
      if (valueType(inner) !== 'vector') fail(source, at, 'histogram_quantile() takes a vector of buckets')
      expectOp(')')
      return { type: 'quantile', q: q.v, expr: inner }
    }
    if (isOp('(')) fail(source, tk.pos, `unknown function "${tk.v}"`)
    const sel = selector(tk.v, tk.pos)
    if (sel.rangeMs !== undefined) fail(source, tk.pos, 'a range selector must be inside a range function')
    return sel
  }

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
  const binaryOp = (): BinaryOp | undefined => {
    const tk = peek()
    if (tk.t === 'op' && tk.v in PRECEDENCE && tk.v !== 'or') return tk.v as BinaryOp
    if (tk.t === 'id' && (tk.v === 'and' || tk.v === 'or' || tk.v === 'unless')) return tk.v
    return undefined
  }

  /** `on(…)` / `ignoring(…)`, then `group_left(…)` / `group_right(…)`, after a binary operator. */
  const vectorMatching = (op: BinaryOp): VectorMatching | undefined => {
    const at = peek().pos
    if (!isWord('on') && !isWord('ignoring')) {
      if (isWord('group_left') || isWord('group_right'))
        fail(source, at, 'group_left/group_right need on(…) or ignoring(…) before them')
      return undefined
    }
    const on = (next() as { v: string }).v === 'on'
    const labels = labelList()
    if (!isWord('group_left') && !isWord('group_right')) return { on, labels }
    if (op === 'and' || op === 'or' || op === 'unless')
      fail(source, peek().pos, `no grouping allowed for "${op}"`)
    const side = (next() as { v: string }).v === 'group_left' ? 'left' : 'right'
    const include = isOp('(') ? labelList() : []
    if (on) {
      const both = include.find((name) => labels.includes(name))
      if (both !== undefined) fail(source, at, `label "${both}" is both matched on and included`)
    }
    return { on, labels, group: { side, include } }
  }

  function expr(minPrecedence: number): Expr {
    let left = primary()
    for (;;) {
      const op = binaryOp()
      if (!op) break
      const precedence = PRECEDENCE[op] as number
      if (precedence <= minPrecedence) break
      const opPos = next().pos
      let returnBool = false
      if (isWord('bool')) {
        if (!COMPARISON_OPS.has(op))
          fail(source, peek().pos, 'the bool modifier can only follow a comparison operator')
        next()
        returnBool = true
      }
      const matching = vectorMatching(op)
      const right = expr(precedence)
      checkOperands(source, opPos, op, left, right, returnBool, matching)
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

  const result = expr(0)
  const end = peek()
  if (end.t !== 'eof') fail(source, end.pos, 'unexpected trailing input')
  return result
}

/** Whether an expression gives a scalar (a number, or arithmetic between numbers) or a vector. */
function valueType(e: Expr): 'scalar' | 'vector' {
  if (e.type === 'number') return 'scalar'
  if (e.type === 'neg') return valueType(e.expr)
  if (e.type === 'binary')
    return valueType(e.left) === 'scalar' && valueType(e.right) === 'scalar' ? 'scalar' : 'vector'
  return 'vector'
}

/** Prometheus' type checks of a binary expression, made at parse time as its parser does. */
function checkOperands(
  source: string,
  pos: number,
  op: BinaryOp,
  left: Expr,
  right: Expr,
  returnBool: boolean,
  matching: VectorMatching | undefined,
): void {
  const scalars = valueType(left) === 'scalar' || valueType(right) === 'scalar'
  if (COMPARISON_OPS.has(op) && !returnBool && valueType(left) === 'scalar' && valueType(right) === 'scalar')
    fail(source, pos, 'comparisons between scalars must use the bool modifier')
  if ((op === 'and' || op === 'or' || op === 'unless') && scalars)
    fail(source, pos, `set operator "${op}" not allowed in binary scalar expression`)
  if (matching && scalars) fail(source, pos, 'vector matching only allowed between instant vectors')
}

/** Compiles a matcher of `source`, failing with the position of its value when the regex is invalid. */
function matcherAt(name: string, op: MatchOp, value: string, source: string, pos: number): LabelMatcher {
  try {
    return compileMatcher(name, op, value)
  } catch (error) {
    return fail(source, pos, error instanceof Error ? error.message : String(error))
  }
}
