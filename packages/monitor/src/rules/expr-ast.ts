/** Label matcher operators, fully anchored regexes as in Prometheus and Alertmanager. */
export type MatchOp = '=' | '!=' | '=~' | '!~'

/** One label matcher. */
export interface LabelMatcher {
  name: string
  op: MatchOp
  value: string
  /** Compiled, anchored regex for `=~` and `!~`. */
  regex?: RegExp
}

/** Aggregation operators. */
export type AggregationOp = 'sum' | 'avg' | 'min' | 'max' | 'count'

/** Range functions over a `[window]`. */
export type RangeFunction = 'rate' | 'increase' | 'avg_over_time' | 'min_over_time' | 'max_over_time'

/** Binary operators. */
export type BinaryOp = '+' | '-' | '*' | '/' | '>' | '<' | '>=' | '<=' | '==' | '!=' | 'and' | 'or' | 'unless'

/** A parsed rule expression. */
export type Expr =
  | { type: 'number'; value: number }
  | { type: 'selector'; name: string; matchers: LabelMatcher[]; rangeMs?: number }
  | { type: 'range-fn'; fn: RangeFunction; selector: Extract<Expr, { type: 'selector' }> }
  | { type: 'quantile'; q: number; expr: Expr }
  | { type: 'aggregation'; op: AggregationOp; by?: string[]; without?: string[]; expr: Expr }
  | { type: 'binary'; op: BinaryOp; left: Expr; right: Expr }
  | { type: 'neg'; expr: Expr }
