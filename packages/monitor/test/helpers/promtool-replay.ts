/**
 * Runs promtool rule-test files (`promtool test rules`) through `promtool` itself and through
 * opskit's rule engine, so a test can check both give the answers the file expects.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { createFakeClock } from '@opskit/core/testing'
import { parse as parseYaml } from 'yaml'
import { createPushSampleSource, createRuleEngine, type Duration, parseExpr } from '../../src/index.js'
import type { Labels } from '../../src/labels/labels.js'

/** The promtool binary, or undefined when it is not installed. */
export const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p))

/**
 * Runs `promtool test rules` on files; its exit code and output (stdout and stderr merged in
 * order by the shell, as promtool writes file headers to one and failures to the other).
 */
export function runPromtool(...files: string[]): { code: number; output: string } {
  const run = spawnSync('sh', ['-c', 'exec "$0" test rules "$@" 2>&1', PROMTOOL as string, ...files], {
    encoding: 'utf8',
    maxBuffer: 512 * 1024 * 1024,
  })
  return { code: run.status ?? -1, output: run.stdout }
}

/** One value of promtool's expanding notation: a number, a staleness marker, or no sample. */
export type SeriesValue = number | 'stale' | undefined

function parseNumber(text: string): number {
  const lower = text.toLowerCase()
  if (/^[+-]?inf$/.test(lower)) return lower.startsWith('-') ? -Infinity : Infinity
  if (/^[+-]?nan$/.test(lower)) return Number.NaN
  const n = Number(text)
  if (text.trim() === '' || Number.isNaN(n)) throw new Error(`not a number: ${text}`)
  return n
}

/** Expands promtool's series notation (`1+2x3 _ stale _x2 5x1`) into one value per step. */
export function expandSeries(notation: string): SeriesValue[] {
  const out: SeriesValue[] = []
  for (const token of notation.trim().split(/\s+/)) {
    if (token === '') continue
    if (token === '_') out.push(undefined)
    else if (token === 'stale') out.push('stale')
    else if (/^_x\d+$/.test(token)) for (let i = 0; i < Number(token.slice(2)); i++) out.push(undefined)
    else {
      const m = /^(.+?)(?:([+-])([^x]+))?x(\d+)$/.exec(token)
      if (!m) {
        out.push(parseNumber(token))
        continue
      }
      const start = parseNumber(m[1] as string)
      const step = m[2] ? parseNumber(m[3] as string) * (m[2] === '-' ? -1 : 1) : 0
      let value = start
      for (let i = 0; i <= Number(m[4]); i++) {
        out.push(value)
        value += step
      }
    }
  }
  return out
}

/** A series name like `m{a="b"}` as metric name and labels. */
export function parseSeriesName(text: string): { name: string; labels: Labels } {
  const expr = parseExpr(text)
  if (expr.type !== 'selector') throw new Error(`not a series: ${text}`)
  const labels: Labels = {}
  for (const m of expr.matchers) labels[m.name] = m.value
  return { name: expr.name, labels }
}

/** Parses a Prometheus duration (`1m`, `90s`, `1h30m`, `10ms`) to milliseconds. */
export function durationMs(text: string | undefined, fallback: number): number {
  if (text === undefined) return fallback
  const units: Record<string, number> = {
    ms: 1,
    s: 1000,
    m: 60_000,
    h: 3_600_000,
    d: 86_400_000,
    w: 604_800_000,
  }
  let total = 0
  for (const m of String(text).matchAll(/(\d+)(ms|s|m|h|d|w)/g))
    total += Number(m[1]) * (units[m[2] as string] as number)
  return total
}

interface RuleFileRule {
  alert?: string
  record?: string
  expr: string
  for?: string
  keep_firing_for?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}

/** A test group of a promtool file. */
export interface TestGroup {
  interval?: string
  input_series: Array<{ series: string; values: string }>
  promql_expr_test?: Array<{
    expr: string
    eval_time: string
    exp_samples?: Array<{ labels: string; value: number | string }>
  }>
  alert_rule_test?: Array<{
    eval_time: string
    alertname: string
    exp_alerts?: Array<{ exp_labels?: Labels; exp_annotations?: Record<string, string> }>
  }>
}

/** A promtool rule-test file, read with its rule files. */
export interface PromtoolFile {
  path: string
  evaluationInterval: number
  rules: RuleFileRule[]
  tests: TestGroup[]
}

/** Reads a promtool test file and the rule files it names (relative to it). */
export function readPromtoolFile(path: string): PromtoolFile {
  const doc = parseYaml(readFileSync(path, 'utf8')) as {
    rule_files?: string[]
    evaluation_interval?: string
    tests: TestGroup[]
  }
  const rules: RuleFileRule[] = []
  for (const file of doc.rule_files ?? []) {
    const ruleDoc = parseYaml(readFileSync(resolve(dirname(path), file), 'utf8')) as {
      groups: Array<{ rules: RuleFileRule[] }>
    }
    for (const group of ruleDoc.groups) rules.push(...group.rules)
  }
  return { path, evaluationInterval: durationMs(doc.evaluation_interval, 60_000), rules, tests: doc.tests }
}

/** An element of an opskit answer: labels (no `__name__`) and value. */
export interface Element {
  labels: Labels
  value: number
}

/** An alert as promtool's `exp_alerts` lists it (firing only). */
export interface FiringAlert {
  labels: Labels
  annotations: Record<string, string>
}

/** Loads a test group's input series into a fresh opskit engine with the file's alerting rules. */
export function loadGroup(file: PromtoolFile, group: TestGroup) {
  const interval = durationMs(group.interval, file.evaluationInterval)
  const engine = createRuleEngine({
    source: createPushSampleSource(),
    clock: createFakeClock(0),
    sink: () => undefined,
    retentionMs: Number.POSITIVE_INFINITY,
  })
  for (const { series, values } of group.input_series) {
    const { name, labels } = parseSeriesName(series)
    expandSeries(values).forEach((value, i) => {
      if (value === undefined) return
      const timestamp = i * interval
      if (value === 'stale') engine.append([{ name, labels, value: 0, timestamp, stale: true }])
      else engine.append([{ name, labels, value, timestamp }])
    })
  }
  for (const rule of file.rules) {
    if (rule.alert === undefined) continue
    engine.addRule({
      name: rule.alert,
      id: `${rule.alert}#${file.rules.indexOf(rule)}`,
      expr: rule.expr,
      ...(rule.for ? { for: rule.for as Duration } : {}),
      ...(rule.keep_firing_for ? { keepFiringFor: rule.keep_firing_for as Duration } : {}),
      ...(rule.labels ? { labels: rule.labels } : {}),
      ...(rule.annotations ? { annotations: rule.annotations } : {}),
    })
  }
  return engine
}

/** Evaluates an expression at `atMs` over a loaded group: the elements, or the error message. */
export function queryAt(
  engine: ReturnType<typeof loadGroup>,
  expr: string,
  atMs: number,
): Element[] | string {
  try {
    const value = engine.query(expr, { at: atMs })
    if (value.kind === 'scalar') return [{ labels: {}, value: value.value }]
    return value.elements.map((e) => ({ labels: { ...e.labels }, value: e.value }))
  } catch (error) {
    return error instanceof Error ? error.message : String(error)
  }
}

/**
 * Evaluates the rules every evaluation interval from 0 to `untilMs` and gives, per evaluation
 * time, the firing alerts of each alert name (what promtool's `exp_alerts` compares).
 */
export async function firingAlerts(
  file: PromtoolFile,
  engine: ReturnType<typeof loadGroup>,
  untilMs: number,
): Promise<Map<number, Map<string, FiringAlert[]>>> {
  const out = new Map<number, Map<string, FiringAlert[]>>()
  for (let t = 0; t <= untilMs; t += file.evaluationInterval) {
    await engine.evaluate(t)
    const byName = new Map<string, FiringAlert[]>()
    for (const instance of engine.instances()) {
      if (instance.state !== 'firing') continue
      const name = instance.labels.alertname as string
      const list = byName.get(name) ?? []
      list.push({ labels: { ...instance.labels }, annotations: { ...instance.annotations } })
      byName.set(name, list)
    }
    out.set(t, byName)
  }
  return out
}

/** A canonical text of elements (sorted), `NaN` spelled out, for exact comparison. */
export function canonical(
  elements: ReadonlyArray<{ labels: Labels; value?: number; annotations?: Record<string, string> }>,
): string {
  return elements
    .map((e) =>
      JSON.stringify({
        l: Object.entries(e.labels).sort(),
        v: e.value === undefined ? undefined : String(e.value),
        a: e.annotations ? Object.entries(e.annotations).sort() : undefined,
      }),
    )
    .sort()
    .join('\n')
}

/** Whether promtool is installed (tests that need it are skipped with a message otherwise). */
export function promtoolAvailable(): boolean {
  if (!PROMTOOL) return false
  try {
    execFileSync(PROMTOOL, ['--version'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
}

function expectedValue(value: number | string): number {
  return typeof value === 'number' ? value : parseNumber(value)
}

/**
 * Runs a promtool file through opskit and lists every expectation opskit does not meet (empty
 * when opskit gives exactly the answers the file expects).
 */
export async function opskitFailures(path: string): Promise<string[]> {
  const file = readPromtoolFile(path)
  const failures: string[] = []
  for (const group of file.tests) {
    const engine = loadGroup(file, group)
    for (const test of group.promql_expr_test ?? []) {
      const got = queryAt(engine, test.expr, durationMs(test.eval_time, 0))
      const expected = (test.exp_samples ?? []).map((s) => ({
        labels: parseSeriesName(s.labels.startsWith('{') ? `x${s.labels}` : s.labels).labels,
        value: expectedValue(s.value),
      }))
      const gotText = typeof got === 'string' ? got : canonical(got)
      if (gotText !== canonical(expected))
        failures.push(`${test.expr} at ${test.eval_time}: expected\n${canonical(expected)}\ngot\n${gotText}`)
    }
    const alertTests = group.alert_rule_test ?? []
    if (alertTests.length === 0) continue
    const until = Math.max(...alertTests.map((t) => durationMs(t.eval_time, 0)))
    const states = await firingAlerts(file, engine, until)
    for (const test of alertTests) {
      const at = durationMs(test.eval_time, 0)
      const got = states.get(at)?.get(test.alertname) ?? []
      const expected = (test.exp_alerts ?? []).map((a) => ({
        labels: { ...(a.exp_labels ?? {}), alertname: test.alertname },
        annotations: a.exp_annotations ?? {},
      }))
      if (canonical(got) !== canonical(expected))
        failures.push(
          `${test.alertname} at ${test.eval_time}: expected\n${canonical(expected)}\ngot\n${canonical(got)}`,
        )
    }
  }
  return failures
}
