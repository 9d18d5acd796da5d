import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument } from 'yaml'
import { parsePrometheusDuration } from '../../rules/promql/prometheus-duration.js'

/** An expected alert of an `alert_rule_test`. */
export interface ExpectedAlert {
  exp_labels?: Record<string, string>
  exp_annotations?: Record<string, string>
}

/** An `alert_rule_test` entry. */
export interface AlertRuleTest {
  /** Milliseconds after the start (promtool's `eval_time`). */
  eval_time: number
  alertname: string
  exp_alerts: ExpectedAlert[]
}

/** A `promql_expr_test` entry. */
export interface PromqlExprTest {
  expr: string
  eval_time: number
  exp_samples: Array<{ labels: string; value: number }>
}

/** One entry of `tests`. */
export interface TestGroup {
  name?: string
  /** Milliseconds between the input series' steps (default: the evaluation interval). */
  interval?: number
  input_series: Array<{ series: string; values: string }>
  alert_rule_test: AlertRuleTest[]
  promql_expr_test: PromqlExprTest[]
  external_labels?: Record<string, string>
  external_url?: string
}

/** A promtool rule-test file, plus opskit's inline `groups` (a rule file's content). */
export interface RuleTestFile {
  rule_files: string[]
  /** Milliseconds; promtool's default is one minute. */
  evaluation_interval: number
  group_eval_order: string[]
  tests: TestGroup[]
  /** Rule groups given inline, as in a rule file (opskit only; promtool has no such field). */
  groups?: unknown
}

type Shape = {
  [field: string]: Shape | 'string' | 'duration' | 'number' | 'map' | 'strings' | 'any' | [Shape]
}

const SERIES: Shape = { series: 'string', values: 'string' }
const EXPECTED_ALERT: Shape = { exp_labels: 'map', exp_annotations: 'map' }
const ALERT_TEST: Shape = { eval_time: 'duration', alertname: 'string', exp_alerts: [EXPECTED_ALERT] }
const SAMPLE: Shape = { labels: 'string', value: 'number' }
const EXPR_TEST: Shape = { expr: 'string', eval_time: 'duration', exp_samples: [SAMPLE] }
const TEST_GROUP: Shape = {
  name: 'string',
  interval: 'duration',
  input_series: [SERIES],
  alert_rule_test: [ALERT_TEST],
  promql_expr_test: [EXPR_TEST],
  external_labels: 'map',
  external_url: 'string',
}
const SHAPE: Shape = {
  rule_files: 'strings',
  evaluation_interval: 'duration',
  group_eval_order: 'strings',
  groups: 'any',
  tests: [TEST_GROUP],
}
/** The Go type names promtool's messages use for each part. */
const TYPE_NAMES = new Map<Shape, string>([
  [SHAPE, 'main.unitTestFile'],
  [TEST_GROUP, 'main.testGroup'],
  [SERIES, 'main.series'],
  [ALERT_TEST, 'main.alertTestCase'],
  [EXPECTED_ALERT, 'main.alert'],
  [EXPR_TEST, 'main.promqlTestCase'],
  [SAMPLE, 'main.sample'],
])

/** Reads a YAML node as the shape says; problems are collected as promtool's YAML errors word them. */
class TestFileReader {
  readonly problems: string[] = []
  readonly lines = new LineCounter()

  line(node: Node): number {
    return this.lines.linePos(node.range?.[0] ?? 0).line
  }

  scalar(node: Node, kind: string): unknown {
    if (!isScalar(node)) {
      this.problems.push(
        `line ${this.line(node)}: cannot unmarshal a ${isSeq(node) ? 'list' : 'map'} into ${kind}`,
      )
      return undefined
    }
    const raw = node.value
    if (kind === 'number') {
      const value = typeof raw === 'number' ? raw : Number.NaN
      if (typeof raw !== 'number')
        this.problems.push(`line ${this.line(node)}: cannot unmarshal "${String(raw)}" into float64`)
      return value
    }
    const text = raw === null ? '' : String(raw)
    if (kind === 'duration') {
      const ms = parsePrometheusDuration(text)
      if (ms === undefined) this.problems.push(`not a valid duration string: "${text}"`)
      return ms ?? 0
    }
    return text
  }

  read(node: Node, shape: Shape | string | [Shape], typeName: string): unknown {
    if (typeof shape === 'string') {
      if (shape === 'any') return node.toJSON()
      if (shape === 'strings' || shape === 'map') {
        const ok = shape === 'map' ? isMap(node) : isSeq(node)
        if (!ok && !(isScalar(node) && node.value === null)) {
          this.problems.push(
            `line ${this.line(node)}: ${typeName} must be a ${shape === 'map' ? 'map' : 'list'} of strings`,
          )
          return undefined
        }
        const json = node.toJSON() as unknown
        if (json === null) return undefined
        return shape === 'map'
          ? Object.fromEntries(
              Object.entries(json as object).map(([k, v]) => [k, v === null ? '' : String(v)]),
            )
          : (json as unknown[]).map(String)
      }
      return this.scalar(node, shape)
    }
    if (Array.isArray(shape)) {
      if (isScalar(node) && node.value === null) return []
      if (!isSeq(node)) {
        this.problems.push(`line ${this.line(node)}: ${typeName} must be a list`)
        return []
      }
      const element = shape[0]
      return (node.items as Node[]).map((item) =>
        this.read(item, element, TYPE_NAMES.get(element) ?? typeName),
      )
    }
    if (!isMap(node)) {
      this.problems.push(`line ${this.line(node)}: ${typeName} must be a map`)
      return {}
    }
    const out: Record<string, unknown> = {}
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : ''
      const fieldShape = shape[key]
      if (fieldShape === undefined) {
        this.problems.push(`line ${this.line(pair.key as Node)}: field ${key} not found in type ${typeName}`)
        continue
      }
      if (pair.value === null) continue
      const value = this.read(pair.value as Node, fieldShape, key)
      if (value !== undefined) out[key] = value
    }
    return out
  }
}

/** Parses a rule-test file strictly, as promtool's `yaml.UnmarshalStrict` does; throws its message. */
export function readRuleTestFile(text: string): RuleTestFile {
  const reader = new TestFileReader()
  const doc = parseDocument(text, { lineCounter: reader.lines, uniqueKeys: true })
  if (doc.errors.length > 0) {
    const error = doc.errors[0] as { message: string; linePos?: Array<{ line: number }> }
    throw new Error(`yaml: line ${error.linePos?.[0]?.line ?? 0}: ${error.message.split('\n')[0]}`)
  }
  const root = doc.contents as Node | null
  const parsed = (root ? reader.read(root, SHAPE, 'main.unitTestFile') : {}) as Partial<RuleTestFile>
  if (reader.problems.length > 0)
    throw new Error(`yaml: unmarshal errors:\n  ${reader.problems.join('\n  ')}`)
  return fromObject(parsed)
}

/** Fills the defaults of a rule-test file given as an object (durations already in ms). */
export function fromObject(input: Partial<RuleTestFile>): RuleTestFile {
  const tests = (input.tests ?? []).map((t) => ({
    ...t,
    input_series: t.input_series ?? [],
    alert_rule_test: (t.alert_rule_test ?? []).map((a) => ({ ...a, exp_alerts: a.exp_alerts ?? [] })),
    promql_expr_test: (t.promql_expr_test ?? []).map((p) => ({ ...p, exp_samples: p.exp_samples ?? [] })),
  }))
  return {
    rule_files: input.rule_files ?? [],
    evaluation_interval: input.evaluation_interval || 60_000,
    group_eval_order: input.group_eval_order ?? [],
    tests,
    ...(input.groups !== undefined ? { groups: input.groups } : {}),
  }
}
