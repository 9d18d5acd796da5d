/**
 * A seeded generator of PromQL expressions over the conformance scenarios' series, covering
 * every function, aggregation, operator, modifier and matcher the monitor README lists.
 *
 * Each case has the expression opskit evaluates and the one promtool is asked: the same text,
 * except that `avg` and `avg_over_time` are asked as `sum / count` (Prometheus 3 computes a mean
 * as a compensated sum divided by the count, which on these exact integer sums is what 2.42's
 * `sum / count` gives, while 2.42's own `avg` uses an incremental mean that rounds differently).
 */

import { mulberry32 } from '@opskit/core/internal'

/** One expression of the suite. */
export interface ExprCase {
  /** What opskit evaluates. */
  expr: string
  /** What promtool is asked (equal to `expr` unless a mean is rewritten). */
  promtool: string
}

const GAUGE_SELECTORS = [
  'g',
  'g{job="api"}',
  'g{job!="api"}',
  'g{instance=~"a|b"}',
  'g{job=~"w.*"}',
  'g{job!~"(?i)API"}',
  'g{instance=~"\\\\w"}',
  'g{job=~`a.+`}',
  "g{instance='b'}",
  'g{job=~""}',
  'g{job!~".*i"}',
]
const COUNTER_SELECTORS = [
  'c_total',
  'c_total{job="web"}',
  'c_total{instance!="a"}',
  'c_total{job=~"api|web"}',
]
const WINDOWS = ['1m', '2m', '5m', '10m', '90s', '3m30s']
const OFFSETS = ['', '', ' offset 1m', ' offset 5m', ' offset 10m', ' offset 150s']
const GROUPINGS = [
  '',
  ' by (job)',
  ' without (instance)',
  ' by (instance)',
  ' by (job, instance)',
  ' without (job)',
]

/** A plain case: the same text for both engines. */
const same = (expr: string): ExprCase => ({ expr, promtool: expr })

/** Every construct once, so the suite covers the README's list whatever the seed. */
function coreCases(): ExprCase[] {
  const cases = [
    'g',
    'nosuch',
    'late',
    'g offset 5m',
    'c_total offset 10m',
    'rate(c_total[5m])',
    'irate(c_total[2m])',
    'increase(c_total[10m])',
    'resets(c_total[10m])',
    'delta(g[5m])',
    'deriv(g[10m])',
    'changes(g[10m])',
    'min_over_time(g[5m])',
    'max_over_time(g[5m])',
    'sum_over_time(g[5m])',
    'count_over_time(g[5m])',
    'last_over_time(g[5m])',
    'absent(nosuch{job="x"})',
    'absent(g{job="api"})',
    'absent_over_time(nosuch{job="x"}[5m])',
    'absent_over_time(late[5m])',
    'predict_linear(g[10m], 600)',
    'predict_linear(g[10m] offset 5m, 300)',
    'histogram_quantile(0.9, rate(h_bucket[5m]))',
    'histogram_quantile(0.5, sum by (le) (rate(h_bucket[5m])))',
    'histogram_quantile(0.99, sum by (job, le) (increase(h_bucket[10m])))',
    'sum(g)',
    'sum by (job) (rate(c_total[5m]))',
    'min(g)',
    'max by (job) (g)',
    'count without (instance) (g)',
    'group by (job) (g)',
    'stddev(g)',
    'stdvar by (job) (g)',
    'quantile(0.5, g)',
    'quantile by (job) (0.9, rate(c_total[5m]))',
    'topk(2, g)',
    'bottomk(1, g) ',
    'topk by (job) (1, c_total)',
    'g > 40',
    'g > bool 40',
    '40 < g',
    'g * 2 + 1',
    '-g',
    'g / 4',
    'g - g offset 1m',
    'g == bool g',
    'g != g',
    'g >= on(job, instance) g offset 1m',
    'c_total - ignoring(instance) group_left sum by (job) (c_total)',
    'rate(c_total[5m]) * on(job) group_left(owner) info',
    'sum by (job) (g) + on(job) group_right g',
    'g and c_total',
    'g or late',
    'g unless g{job="api"}',
    'g and on(job) late',
    'g unless ignoring(instance) late',
    'sum by (job) (g) > bool on(job) 30',
    '3 > bool 2',
    '1 + 2 * 3 - 4 / 2',
    'g + on(job) g',
    'g > on(job) sum by (job) (g) / 8',
  ].map(same)
  cases.push(avg('', 'g'), avg(' by (job)', 'rate(c_total[5m])'), avgOverTime('g[5m]'))
  return cases
}

/** `avg` for opskit, `sum / count` for promtool (see the module comment). */
function avg(grouping: string, inner: string): ExprCase {
  return {
    expr: `avg${grouping} (${inner})`,
    promtool: `(sum${grouping} (${inner}) / count${grouping} (${inner}))`,
  }
}

function avgOverTime(range: string): ExprCase {
  return {
    expr: `avg_over_time(${range})`,
    promtool: `(sum_over_time(${range}) / count_over_time(${range}))`,
  }
}

/** `count` seeded random cases built from the templates, plus the core cases. */
export function expressionCases(seed: number, count: number): ExprCase[] {
  const random = mulberry32(seed)
  const pick = <T>(list: readonly T[]): T => list[Math.floor(random() * list.length)] as T
  const counterRange = () => `${pick(COUNTER_SELECTORS)}[${pick(WINDOWS)}]${pick(OFFSETS)}`
  const gaugeRange = () => `${pick(GAUGE_SELECTORS)}[${pick(WINDOWS)}]${pick(OFFSETS)}`
  const gaugeInstant = () => `${pick(GAUGE_SELECTORS)}${pick(OFFSETS)}`
  const integerVector = () =>
    pick([
      gaugeInstant(),
      `${pick(COUNTER_SELECTORS)}${pick(OFFSETS)}`,
      `count_over_time(${gaugeRange()})`,
      `changes(${gaugeRange()})`,
      `resets(${counterRange()})`,
      `(${gaugeInstant()} > bool 40)`,
    ])
  const anyVector = () =>
    pick([
      integerVector(),
      `rate(${counterRange()})`,
      `irate(${counterRange()})`,
      `increase(${counterRange()})`,
      `delta(${gaugeRange()})`,
      `deriv(${gaugeRange()})`,
      `${pick(['min', 'max', 'last'])}_over_time(${gaugeRange()})`,
    ])
  const templates: Array<() => ExprCase> = [
    () => same(anyVector()),
    () => same(`sum_over_time(${gaugeRange()})`),
    () => avgOverTime(gaugeRange()),
    () =>
      same(
        `${pick(['sum', 'min', 'max', 'count', 'group', 'stddev', 'stdvar'])}${pick(GROUPINGS)} (${integerVector()})`,
      ),
    () => avg(pick(GROUPINGS), integerVector()),
    () =>
      same(
        `${pick(['min', 'max', 'count', 'group', 'stddev', 'stdvar'])}${pick(GROUPINGS)} (${anyVector()})`,
      ),
    () => same(`sum by (${pick(['job', 'job, instance'])}) (rate(${counterRange()}))`),
    () => avg(` by (${pick(['job', 'job, instance'])})`, `rate(${counterRange()})`),
    () => same(`quantile${pick(GROUPINGS)} (${pick(['0', '0.25', '0.5', '0.9', '1'])}, ${anyVector()})`),
    () =>
      same(
        `${pick(['topk', 'bottomk'])}${pick(GROUPINGS)} (${pick(['1', '2', '3', '5'])}, ${integerVector()})`,
      ),
    () =>
      same(
        `histogram_quantile(${pick(['0.1', '0.5', '0.75', '0.95', '1'])}, sum by (${pick(['le', 'job, le'])}) (rate(h_bucket[${pick(WINDOWS)}]${pick(OFFSETS)})))`,
      ),
    () => same(`predict_linear(${gaugeRange()}, ${pick(['60', '600', '3600'])})`),
    () => same(`absent(${pick(['nosuch', 'late', 'g{job="none"}', 'g{job="api"}'])}${pick(OFFSETS)})`),
    () =>
      same(
        `absent_over_time(${pick(['nosuch', 'late', 'g{job="none"}', 'g'])}[${pick(WINDOWS)}]${pick(OFFSETS)})`,
      ),
    () =>
      same(
        `${anyVector()} ${pick(['>', '<', '>=', '<=', '==', '!='])}${pick(['', ' bool'])} ${pick(['0', '10', '40', '0.5'])}`,
      ),
    () => same(`${integerVector()} ${pick(['+', '-', '*', '/'])} ${pick(['2', '0', '-3', '0.5'])}`),
    () => same(`${pick(['1', '100'])} ${pick(['-', '/'])} ${anyVector()}`),
    () =>
      same(
        `${gaugeInstant()} ${pick(['+', '-', '*', '/', '>', '<', '==', '!='])}${pick(['', ' on(job, instance)', ' ignoring(job)'])} ${pick(['g', 'g offset 1m', 'c_total', 'last_over_time(g[5m])'])}`,
      ),
    () =>
      same(
        `${gaugeInstant()} ${pick(['and', 'or', 'unless'])}${pick(['', ' on(job)', ' ignoring(instance)', ' on(instance)'])} ${pick(['late', 'g{job="web"}', 'c_total', `${gaugeInstant()} > 40`])}`,
      ),
    () => same(`${anyVector()} * on(job) group_left(owner) info`),
    () => same(`info * on(job) group_right(owner) ${anyVector()}`),
    () =>
      same(
        `sum by (job) (${integerVector()}) ${pick(['/', '-', '>'])} on(job) group_right ${integerVector()}`,
      ),
    () =>
      same(
        `${integerVector()} ${pick(['>', '<'])} ignoring(instance) group_left sum without (instance) (${integerVector()}) / 2`,
      ),
  ]
  const out = new Map<string, ExprCase>()
  for (const c of coreCases()) out.set(c.expr, c)
  for (let guard = 0; out.size < count + coreCases().length && guard < count * 20; guard++) {
    const c = (pick(templates) as () => ExprCase)()
    out.set(c.expr, c)
  }
  return [...out.values()]
}
