/**
 * Asks promtool for its answers: every test of a generated file expects a sentinel that can
 * never match, so `promtool test rules` prints what it got for each one, which is parsed back.
 */
import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { Labels } from '../../src/labels/labels.js'
import { runPromtool } from '../helpers/promtool-replay.js'

/** promtool's answer to one query: its elements (no `__name__`), or its error. */
export type Answer = { elements: Array<{ labels: Labels; value: number }> } | { error: string }

/** The alerts promtool reported firing for an `alert_rule_test`. */
export type AlertAnswer = Array<{ labels: Labels; annotations: Record<string, string> }>

/** A file to ask promtool: rule file text, and tests. */
export interface QuestionFile {
  name: string
  evaluationInterval: string
  rules?: string
  groups: Array<{
    interval: string
    series: Array<{ series: string; values: string }>
    queries: Array<{ expr: string; at: string }>
    alerts: Array<{ alertname: string; at: string }>
  }>
}

const SENTINEL_SAMPLES = `[{ labels: '{sentinel="x"}', value: 0 }]`
const SENTINEL_ALERTS = '[{ exp_labels: { sentinel: x } }]'

/** YAML double-quoted text. */
const quote = (text: string) => JSON.stringify(text)

function testFileText(file: QuestionFile): string {
  const lines = [
    `rule_files: [${file.rules ? `${file.name}-rules.yml` : ''}]`,
    `evaluation_interval: ${file.evaluationInterval}`,
    'tests:',
  ]
  for (const group of file.groups) {
    lines.push(`  - interval: ${group.interval}`, '    input_series:')
    for (const s of group.series)
      lines.push(`      - series: ${quote(s.series)}`, `        values: ${quote(s.values)}`)
    if (group.queries.length > 0) lines.push('    promql_expr_test:')
    for (const q of group.queries)
      lines.push(
        `      - expr: ${quote(q.expr)}`,
        `        eval_time: ${q.at}`,
        `        exp_samples: ${SENTINEL_SAMPLES}`,
      )
    if (group.alerts.length > 0) lines.push('    alert_rule_test:')
    for (const a of group.alerts)
      lines.push(
        `      - eval_time: ${a.at}`,
        `        alertname: ${a.alertname}`,
        `        exp_alerts: ${SENTINEL_ALERTS}`,
      )
  }
  return `${lines.join('\n')}\n`
}

/** Parses `{a="x", b="y"}` (Go-quoted values) to labels, `__name__` left out. */
export function parseLabelSet(text: string): Labels {
  const labels: Labels = {}
  for (const m of text.matchAll(/([a-zA-Z_][a-zA-Z0-9_]*)=("(?:[^"\\]|\\.)*")/g))
    if (m[1] !== '__name__') labels[m[1] as string] = JSON.parse(m[2] as string) as string
  return labels
}

function parseValue(text: string): number {
  if (text === '+Inf') return Number.POSITIVE_INFINITY
  if (text === '-Inf') return Number.NEGATIVE_INFINITY
  return Number(text)
}

/** Duration text as promtool prints it (`0s`, `12m7s`, `1h2m`), for matching answers to questions. */
export function promDuration(ms: number): string {
  if (ms === 0) return '0s'
  const parts: Array<[number, string]> = [
    [3_600_000, 'h'],
    [60_000, 'm'],
    [1000, 's'],
    [1, 'ms'],
  ]
  let rest = ms
  let out = ''
  for (const [unit, suffix] of parts) {
    const n = Math.floor(rest / unit)
    if (n > 0) out += `${n}${suffix}`
    rest -= n * unit
  }
  return out
}

/** promtool's answers in one file: the first per `expr@time`, every one, and the alert tests. */
export interface FileAnswers {
  queries: Map<string, Answer>
  all: Map<string, Answer[]>
  alerts: Map<string, AlertAnswer>
}

function parseFileOutput(text: string): FileAnswers {
  const queries = new Map<string, Answer>()
  const all = new Map<string, Answer[]>()
  const record = (key: string, answer: Answer) => {
    if (!queries.has(key)) queries.set(key, answer)
    all.set(key, [...(all.get(key) ?? []), answer])
  }
  const alerts = new Map<string, AlertAnswer>()
  for (const m of text.matchAll(
    /^ {4}expr: ("(?:[^"\\]|\\.)*"), time: (\S+?),(?: err: (.*)|\n\s+exp: .*\n\s+got: (.*))$/gm,
  )) {
    const key = `${JSON.parse(m[1] as string)}@${m[2]}`
    if (m[3] !== undefined) record(key, { error: m[3] })
    else {
      const elements = [
        ...(m[4] as string).matchAll(/(\{(?:[^"}]|"(?:[^"\\]|\\.)*")*\}) (\S+?)(?:, |$)/g),
      ].map((e) => ({ labels: parseLabelSet(e[1] as string), value: parseValue(e[2] as string) }))
      record(key, { elements })
    }
  }
  for (const m of text.matchAll(
    /^ {4}alertname: (\S+), time: (\S+?), \n[\s\S]*?got:(\[\]|\[\n[\s\S]*?\n {12}\])/gm,
  )) {
    const got = [...(m[3] as string).matchAll(/Labels:(\{.*\})\n\s+Annotations:(\{.*\})/g)].map((a) => ({
      labels: parseLabelSet(a[1] as string),
      annotations: parseLabelSet(a[2] as string),
    }))
    alerts.set(`${m[1]}@${m[2]}`, got)
  }
  return { queries, all, alerts }
}

/**
 * Writes the files into `dir`, runs promtool once on all of them, and gives its answers per
 * file: queries keyed `expr@time`, alert tests keyed `alertname@time` (times as promtool prints).
 */
export function askPromtool(dir: string, files: QuestionFile[]): Map<string, FileAnswers> {
  const paths = files.map((file) => {
    if (file.rules) writeFileSync(join(dir, `${file.name}-rules.yml`), file.rules)
    const path = join(dir, `${file.name}.yml`)
    writeFileSync(path, testFileText(file))
    return path
  })
  const { output } = runPromtool(...paths)
  const out = new Map<string, FileAnswers>()
  const sections = output.split(/^Unit Testing: {2}/m).slice(1)
  for (const section of sections) {
    const name = (section.split('\n')[0] as string)
      .trim()
      .replace(/^.*\//, '')
      .replace(/\.yml$/, '')
    out.set(name, parseFileOutput(section))
  }
  return out
}
