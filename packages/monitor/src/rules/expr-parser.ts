import { MonitorError } from '../errors/monitor-error.js'
import { parseDuration } from './duration.js'
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

type Token =
  | { t: 'num'; v: number; pos: number }
  | { t: 'id'; v: string; pos: number }
  | { t: 'str'; v: string; pos: number }
  | { t: 'dur'; v: number; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'eof'; pos: number }

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

function fail(source: string, pos: number, message: string): never {
  throw new MonitorError('MONITOR_INVALID_EXPRESSION', `${message} at position ${pos} in "${source}"`)
}

function tokenize(source: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  let inBrackets = false
  while (i < source.length) {
    const c = source[i] as string
    if (/\s/.test(c)) {
      i++
      continue
    }
    const previous = tokens[tokens.length - 1]
    const afterOffset = previous?.t === 'id' && previous.v === 'offset'
    if ((inBrackets || afterOffset) && /[0-9]/.test(c)) {
      const m = /^[0-9a-z.]+/.exec(source.slice(i)) as RegExpExecArray
      const what = afterOffset ? 'offset' : 'range'
      tokens.push({ t: 'dur', v: parseDuration(m[0], what, 'MONITOR_INVALID_EXPRESSION'), pos: i })
      i += m[0].length
      continue
    }
    const num = /^(?:\d+\.?\d*(?:e[+-]?\d+)?|\.\d+(?:e[+-]?\d+)?|Inf|NaN)/i.exec(source.slice(i))
    if (num && /[0-9.]/.test(c)) {
      tokens.push({ t: 'num', v: Number(num[0]), pos: i })
      i += num[0].length
      continue
    }
    const id = /^[a-zA-Z_:][a-zA-Z0-9_:]*/.exec(source.slice(i))
    if (id) {
      tokens.push({ t: 'id', v: id[0], pos: i })
      i += id[0].length
      continue
    }
    if (c === '"' || c === "'") {
      let j = i + 1
      let value = ''
      while (j < source.length && source[j] !== c) {
        if (source[j] === '\\' && j + 1 < source.length) {
          const next = source[j + 1] as string
          value +=
            next === 'n' ? '\n' : next === 't' ? '\t' : next === '\\' || next === c ? next : `\\${next}`
          j += 2
        } else value += source[j++]
      }
      if (j >= source.length) fail(source, i, 'unterminated string')
      tokens.push({ t: 'str', v: value, pos: i })
      i = j + 1
      continue
    }
    const two = source.slice(i, i + 2)
    if (['!=', '=~', '!~', '>=', '<=', '=='].includes(two)) {
      tokens.push({ t: 'op', v: two, pos: i })
      i += 2
      continue
    }
    if ('{}()[],=<>+-*/'.includes(c)) {
      if (c === '[') inBrackets = true
      if (c === ']') inBrackets = false
      tokens.push({ t: 'op', v: c, pos: i })
      i++
      continue
    }
    fail(source, i, `unexpected character "${c}"`)
  }
  tokens.push({ t: 'eof', pos: source.length })
  return tokens
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
        else matchers.push(compileMatcher(label.v, op.v as MatchOp, value.v, source, value.pos))
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
        param = expr(0)
        expectOp(',')
      }
      const inner = expr(0)
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
      const seconds = expr(0)
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
      if (q.t !== 'num' || q.v < 0 || q.v > 1)
        fail(source, q.pos, 'histogram_quantile needs a quantile in [0, 1]')
      expectOp(',')
      const inner = expr(0)
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
      next()
      let returnBool = false
      if (isWord('bool')) {
        if (!COMPARISON_OPS.has(op))
          fail(source, peek().pos, 'the bool modifier can only follow a comparison operator')
        next()
        returnBool = true
      }
      const matching = vectorMatching(op)
      const right = expr(precedence)
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

/** Compiles a label matcher; regexes are fully anchored. */
export function compileMatcher(name: string, op: MatchOp, value: string, source = '', pos = 0): LabelMatcher {
  if (op === '=~' || op === '!~') {
    try {
      return { name, op, value, regex: new RegExp(`^(?:${value})$`) }
    } catch {
      fail(source || value, pos, `invalid regular expression "${value}"`)
    }
  }
  return { name, op, value }
}

/** Whether `labels` satisfy `matcher`; a missing label equals the empty string. */
export function matches(matcher: LabelMatcher, labels: Record<string, string>): boolean {
  const value = labels[matcher.name] ?? ''
  switch (matcher.op) {
    case '=':
      return value === matcher.value
    case '!=':
      return value !== matcher.value
    case '=~':
      return (matcher.regex as RegExp).test(value)
    case '!~':
      return !(matcher.regex as RegExp).test(value)
  }
}
