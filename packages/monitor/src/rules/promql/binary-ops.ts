import { MonitorError } from '../../errors/monitor-error.js'
import { type Labels, labelsKey } from '../../labels/labels.js'
import type { VectorElement } from './aggregations.js'
import { type BinaryOp, COMPARISON_OPS, type VectorMatching } from './ast.js'

/** What an expression evaluates to. */
export type Value = { kind: 'scalar'; value: number } | { kind: 'vector'; elements: VectorElement[] }

function compare(op: BinaryOp, a: number, b: number): boolean {
  switch (op) {
    case '>':
      return a > b
    case '<':
      return a < b
    case '>=':
      return a >= b
    case '<=':
      return a <= b
    case '==':
      return a === b
    default:
      return a !== b
  }
}

function arithmetic(op: BinaryOp, a: number, b: number): number {
  switch (op) {
    case '+':
      return a + b
    case '-':
      return a - b
    case '*':
      return a * b
    default:
      return a / b
  }
}

/** Vector matching when the expression gives none: one-to-one on all labels. */
const ALL_LABELS: VectorMatching = { on: false, labels: [] }

/** The key two elements must share to be paired: their `on(…)` labels, or all but `ignoring(…)`. */
function signature(labels: Labels, matching: VectorMatching): string {
  const picked: Labels = {}
  for (const [name, value] of Object.entries(labels))
    if (matching.labels.includes(name) === matching.on) picked[name] = value
  return labelsKey(picked)
}

function vectorOnly(value: Value, what: string): Extract<Value, { kind: 'vector' }> {
  if (value.kind !== 'vector') throw new MonitorError('MONITOR_EVALUATION_FAILED', what)
  return value
}

function setOperation(
  op: 'and' | 'or' | 'unless',
  left: VectorElement[],
  right: VectorElement[],
  matching: VectorMatching,
): VectorElement[] {
  const rightSignatures = new Set(right.map((e) => signature(e.labels, matching)))
  if (op === 'and') return left.filter((e) => rightSignatures.has(signature(e.labels, matching)))
  if (op === 'unless') return left.filter((e) => !rightSignatures.has(signature(e.labels, matching)))
  const leftSignatures = new Set(left.map((e) => signature(e.labels, matching)))
  return [...left, ...right.filter((e) => !leftSignatures.has(signature(e.labels, matching)))]
}

/**
 * The labels of a result element, as Prometheus builds them: the "many" side's labels (the left
 * side's for one-to-one), cut to the `on(…)` labels or without the `ignoring(…)` ones when
 * one-to-one, plus the included labels taken from the "one" side (dropped where it has none).
 */
function resultLabels(many: Labels, one: Labels, matching: VectorMatching): Labels {
  const out: Labels = {}
  for (const [name, value] of Object.entries(many))
    if (matching.group || matching.labels.includes(name) === matching.on) out[name] = value
  for (const name of matching.group?.include ?? []) {
    const value = one[name]
    if (value) out[name] = value
    else delete out[name]
  }
  return out
}

/** Arithmetic or a filtering comparison between two vectors, paired as `matching` says. */
function vectorOperation(
  op: BinaryOp,
  left: VectorElement[],
  right: VectorElement[],
  matching: VectorMatching,
  returnBool: boolean,
): VectorElement[] {
  const rightIsMany = matching.group?.side === 'right'
  const [many, one] = rightIsMany ? [right, left] : [left, right]
  const oneSide = rightIsMany ? 'left' : 'right'
  const bySignature = new Map<string, VectorElement>()
  for (const e of one) {
    const key = signature(e.labels, matching)
    if (bySignature.has(key))
      throw new MonitorError(
        'MONITOR_EVALUATION_FAILED',
        `many-to-many matching: the ${oneSide} side has more than one series like ${JSON.stringify(e.labels)} for one match`,
      )
    bySignature.set(key, e)
  }
  const matched = new Set<string>()
  const results = new Set<string>()
  const out: VectorElement[] = []
  for (const e of many) {
    const key = signature(e.labels, matching)
    const match = bySignature.get(key)
    if (!match) continue
    if (!matching.group) {
      if (matched.has(key))
        throw new MonitorError(
          'MONITOR_EVALUATION_FAILED',
          'multiple matches on the left side: many-to-one matching must be explicit (group_left/group_right)',
        )
      matched.add(key)
    }
    const [l, r] = rightIsMany ? [match.value, e.value] : [e.value, match.value]
    const labels = resultLabels(e.labels, match.labels, matching)
    if (matching.group) {
      const resultKey = labelsKey(labels)
      if (results.has(resultKey))
        throw new MonitorError(
          'MONITOR_EVALUATION_FAILED',
          'multiple matches for the same result labels: the grouping labels must make each result unique',
        )
      results.add(resultKey)
    }
    const filtering = COMPARISON_OPS.has(op) && !returnBool
    if (filtering && !compare(op, l, r)) continue
    // a filtering comparison keeps the "many" side's metric name; arithmetic and bool drop it
    out.push({
      labels,
      value: elementValue(op, l, r, returnBool),
      ...(filtering && e.name ? { name: e.name } : {}),
    })
  }
  return out
}

/** The value of a result element: the left value of a kept comparison, its 1/0 with `bool`, or the arithmetic. */
function elementValue(op: BinaryOp, l: number, r: number, returnBool: boolean): number {
  if (!COMPARISON_OPS.has(op)) return arithmetic(op, l, r)
  return returnBool ? Number(compare(op, l, r)) : l
}

/**
 * A binary operation as Prometheus evaluates it: arithmetic, comparisons (filtering, or 1/0 with
 * `bool`) and set operations, between scalars, a vector and a scalar, or two vectors paired by
 * their matching. The many-to-one checks come before a comparison filters (Prometheus ≥ 3.9),
 * so an expression that needs `group_left` fails whatever the values.
 */
export function binary(
  op: BinaryOp,
  left: Value,
  right: Value,
  matching: VectorMatching | undefined,
  returnBool = false,
): Value {
  if (op === 'and' || op === 'or' || op === 'unless') {
    const message = `"${op}" needs vectors on both sides`
    return {
      kind: 'vector',
      elements: setOperation(
        op,
        vectorOnly(left, message).elements,
        vectorOnly(right, message).elements,
        matching ?? ALL_LABELS,
      ),
    }
  }
  const isComparison = COMPARISON_OPS.has(op)
  if (matching && (left.kind !== 'vector' || right.kind !== 'vector'))
    throw new MonitorError(
      'MONITOR_EVALUATION_FAILED',
      'vector matching (on, ignoring, group_left, group_right) is only allowed between two vectors',
    )
  if (left.kind === 'scalar' && right.kind === 'scalar') {
    return {
      kind: 'scalar',
      value: isComparison
        ? Number(compare(op, left.value, right.value))
        : arithmetic(op, left.value, right.value),
    }
  }
  if (left.kind !== right.kind) {
    const [vector, scalar] = (left.kind === 'vector' ? [left, right] : [right, left]) as [
      Extract<Value, { kind: 'vector' }>,
      Extract<Value, { kind: 'scalar' }>,
    ]
    const out: VectorElement[] = []
    for (const e of vector.elements) {
      const [l, r] = left.kind === 'vector' ? [e.value, scalar.value] : [scalar.value, e.value]
      // A filtering comparison keeps the vector's element as it is, whichever side it is on.
      if (isComparison && !returnBool) {
        if (compare(op, l, r)) out.push(e)
      } else out.push({ labels: e.labels, value: elementValue(op, l, r, returnBool) })
    }
    return { kind: 'vector', elements: out }
  }
  return {
    kind: 'vector',
    elements: vectorOperation(
      op,
      (left as Extract<Value, { kind: 'vector' }>).elements,
      (right as Extract<Value, { kind: 'vector' }>).elements,
      matching ?? ALL_LABELS,
      returnBool,
    ),
  }
}
