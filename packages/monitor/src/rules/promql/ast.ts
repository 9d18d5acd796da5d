import type { LabelMatcher } from '../../labels/label-matchers.js'

/** Aggregation operators. */
export type AggregationOp =
  | 'sum'
  | 'avg'
  | 'min'
  | 'max'
  | 'count'
  | 'group'
  | 'stddev'
  | 'stdvar'
  | 'quantile'
  | 'topk'
  | 'bottomk'

/** Range functions over a `[window]`. */
export type RangeFunction =
  | 'rate'
  | 'irate'
  | 'deriv'
  | 'increase'
  | 'delta'
  | 'changes'
  | 'resets'
  | 'avg_over_time'
  | 'min_over_time'
  | 'max_over_time'
  | 'sum_over_time'
  | 'count_over_time'
  | 'last_over_time'
  | 'absent_over_time'

/** Binary operators. */
export type BinaryOp = '+' | '-' | '*' | '/' | '>' | '<' | '>=' | '<=' | '==' | '!=' | 'and' | 'or' | 'unless'

/** The comparison operators: they filter, or give 1/0 with `bool`. */
export const COMPARISON_OPS: ReadonlySet<BinaryOp> = new Set<BinaryOp>(['>', '<', '>=', '<=', '==', '!='])

/**
 * How a binary operation between two vectors pairs their elements (PromQL vector matching):
 * on the labels named by `on(...)`, or on all labels but those named by `ignoring(...)`. Without
 * a group modifier each side has at most one element per match (one-to-one); `group_left` lets
 * the left side have many per match of one on the right (many-to-one), `group_right` the
 * reverse, and `include` names labels copied onto the result from the "one" side.
 */
export interface VectorMatching {
  on: boolean
  labels: string[]
  group?: { side: 'left' | 'right'; include: string[] }
}

/** A parsed rule expression. */
export type Expr =
  | { type: 'number'; value: number }
  | {
      type: 'selector'
      name: string
      matchers: LabelMatcher[]
      rangeMs?: number
      /** `offset 1h`: read the series as they were this long before the evaluation. */
      offsetMs?: number
    }
  | { type: 'range-fn'; fn: RangeFunction; selector: SelectorExpr }
  | { type: 'quantile'; q: number; expr: Expr }
  /** `predict_linear(selector[range], seconds)`: each series' least-squares line, `seconds` ahead. */
  | { type: 'predict-linear'; selector: SelectorExpr; seconds: Expr }
  /** `absent(selector)`: one element valued 1 when the selector matches nothing, else none. */
  | { type: 'absent'; selector: SelectorExpr }
  | {
      type: 'aggregation'
      op: AggregationOp
      by?: string[]
      without?: string[]
      /** The φ of `quantile` or the k of `topk` / `bottomk`. */
      param?: Expr
      expr: Expr
    }
  | {
      type: 'binary'
      op: BinaryOp
      left: Expr
      right: Expr
      matching?: VectorMatching
      /** `bool` after a comparison: 1 or 0 for every pair instead of filtering. */
      returnBool?: boolean
    }
  | { type: 'neg'; expr: Expr }

/** A selector node: `name{matchers}[range] offset d`. */
export type SelectorExpr = Extract<Expr, { type: 'selector' }>
