import { compileMatcher, type LabelMatcher, type MatchOp } from '../../labels/label-matchers.js'
import type { SelectorExpr } from './ast.js'
import type { TokenStream } from './token-stream.js'

/** `name{label="v", …}[range] offset d`, after its metric name (`''` when it starts at `{`). */
export function parseSelector(ts: TokenStream, name: string, pos: number): SelectorExpr {
  const matchers: LabelMatcher[] = []
  let metric = name
  if (ts.isOp('{')) {
    ts.next()
    while (!ts.isOp('}')) {
      const label = ts.next()
      if (label.t !== 'id') ts.fail(label.pos, 'expected a label name')
      const op = ts.next()
      if (op.t !== 'op' || !['=', '!=', '=~', '!~'].includes(op.v)) ts.fail(op.pos, 'expected = != =~ or !~')
      const value = ts.next()
      if (value.t !== 'str') ts.fail(value.pos, 'expected a quoted label value')
      if (label.v === '__name__' && op.v === '=') metric = value.v
      else matchers.push(matcherAt(ts, label.v, op.v as MatchOp, value.v, value.pos))
      if (!ts.isOp('}')) ts.expectOp(',')
    }
    ts.expectOp('}')
  }
  if (!metric) ts.fail(pos, 'a selector needs a metric name')
  const sel: SelectorExpr = { type: 'selector', name: metric, matchers }
  if (ts.isOp('[')) {
    ts.next()
    const d = ts.next()
    if (d.t !== 'dur' || d.v <= 0) ts.fail(d.pos, 'expected a positive duration such as 5m')
    ts.expectOp(']')
    sel.rangeMs = d.v
  }
  if (ts.isWord('offset')) {
    ts.next()
    const d = ts.next()
    if (d.t !== 'dur' || d.v <= 0) ts.fail(d.pos, 'expected a positive duration such as 1h after offset')
    sel.offsetMs = d.v
  }
  return sel
}

/** The selector that opens the arguments of `fn(`: with a `[range]` when `ranged`, without one otherwise. */
export function parseSelectorArgument(ts: TokenStream, fn: string, ranged: boolean): SelectorExpr {
  ts.expectOp('(')
  const name = ts.next()
  if (name.t !== 'id' && !(name.t === 'op' && name.v === '{'))
    ts.fail(name.pos, `${fn}() takes a ${ranged ? 'range ' : ''}selector`)
  if (name.t === 'op') ts.back()
  const sel = parseSelector(ts, name.t === 'id' ? name.v : '', name.pos)
  if (ranged && sel.rangeMs === undefined) ts.fail(name.pos, `${fn}() needs a range such as [5m]`)
  if (!ranged && sel.rangeMs !== undefined) ts.fail(name.pos, `${fn}() takes no range: use ${fn}_over_time()`)
  return sel
}

/** Compiles a matcher, failing with the position of its value when the regex is invalid. */
function matcherAt(ts: TokenStream, name: string, op: MatchOp, value: string, pos: number): LabelMatcher {
  try {
    return compileMatcher(name, op, value)
  } catch (error) {
    return ts.fail(pos, error instanceof Error ? error.message : String(error))
  }
}
