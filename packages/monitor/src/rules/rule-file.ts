import { readFileSync } from 'node:fs'
import { isMap, isScalar, isSeq, LineCounter, type Node, parseDocument, type YAMLMap } from 'yaml'
import { MonitorError } from '../errors/monitor-error.js'
import { parseExpr } from './promql/parser.js'
import { parsePrometheusDuration } from './promql/prometheus-duration.js'
import type { RecordingRuleDefinition } from './recording-rules.js'
import type { AlertRuleDefinition, RuleEngine } from './rule-engine-types.js'
import { templateProblem } from './template-check.js'

/** One group of a Prometheus rule file. */
export interface RuleGroup {
  name: string
  /** The group's `interval` (ms), when set. */
  intervalMs?: number
  /** The group's `limit`, when set (0: none). */
  limit?: number
  /** Alerting rules (with `name`) and recording rules (with `record`), in file order; ids `group/index`. */
  rules: Array<AlertRuleDefinition | RecordingRuleDefinition>
}

/** One problem of a rule file, where Prometheus would report it (1-based line and column). */
export interface RuleFileProblem {
  line: number
  column: number
  message: string
}

const METRIC_NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/
const FILE_FIELDS = new Set(['groups'])
const GROUP_FIELDS = new Set(['name', 'interval', 'limit', 'rules'])
const RULE_FIELDS = new Set(['record', 'alert', 'expr', 'for', 'keep_firing_for', 'labels', 'annotations'])

type Scalars = Record<string, { value: string; node: Node }>

/** Reads a rule file's problems and groups from the YAML document. */
class RuleFileReader {
  readonly problems: RuleFileProblem[] = []
  readonly lines = new LineCounter()

  constructor(readonly source: string) {}

  problem(node: Node | undefined, message: string): void {
    const offset = node?.range?.[0]
    const pos = offset === undefined ? { line: 0, col: 0 } : this.lines.linePos(offset)
    this.problems.push({ line: pos.line, column: pos.col, message })
  }

  /** The string-valued fields of a mapping; unknown fields and non-scalar values are problems. */
  fields(map: YAMLMap, known: Set<string>, what: string): { scalars: Scalars; maps: Record<string, Node> } {
    const scalars: Scalars = {}
    const maps: Record<string, Node> = {}
    for (const pair of map.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : ''
      const value = pair.value as Node | null
      if (!known.has(key)) {
        this.problem(pair.key as Node, `field ${key} not found in type ${what}`)
        continue
      }
      if (value && isScalar(value))
        scalars[key] = { value: value.value === null ? '' : String(value.value), node: value }
      else if (value) maps[key] = value
    }
    return { scalars, maps }
  }

  /** A `map[string]string` field (labels, annotations); problems for non-scalar values. */
  stringMap(node: Node | undefined, field: string): Record<string, { value: string; node: Node }> {
    const out: Record<string, { value: string; node: Node }> = {}
    if (node === undefined) return out
    if (!isMap(node)) {
      this.problem(node, `${field} must be a map of strings`)
      return out
    }
    for (const pair of node.items) {
      const key = isScalar(pair.key) ? String(pair.key.value) : ''
      const value = pair.value as Node | null
      if (value && !isScalar(value)) this.problem(value, `${field} "${key}" must be a string`)
      else out[key] = { value: value ? String(value.value ?? '') : '', node: (value ?? pair.key) as Node }
    }
    return out
  }

  duration(entry: { value: string; node: Node } | undefined): number | undefined {
    if (!entry) return undefined
    const ms = parsePrometheusDuration(entry.value)
    if (ms === undefined) this.problem(entry.node, `not a valid duration string: "${entry.value}"`)
    return ms
  }

  read(): RuleGroup[] {
    const doc = parseDocument(this.source, { lineCounter: this.lines, uniqueKeys: true })
    for (const error of doc.errors) {
      const [line, col] = error.linePos?.[0] ? [error.linePos[0].line, error.linePos[0].col] : [0, 0]
      this.problems.push({
        line,
        column: col,
        message: `yaml: ${(error.message.split('\n')[0] as string).replace(/ at line \d+, column \d+:?$/, '')}`,
      })
    }
    if (this.problems.length > 0) return []
    const root = doc.contents as Node | null
    if (!root) return []
    if (!isMap(root)) {
      this.problem(root, 'a rule file is a map with a "groups" list')
      return []
    }
    const { maps } = this.fields(root, FILE_FIELDS, 'rulefmt.RuleGroups')
    const groupsNode = maps.groups
    if (groupsNode === undefined) return []
    if (!isSeq(groupsNode)) {
      this.problem(groupsNode, '"groups" must be a list')
      return []
    }
    const groups: RuleGroup[] = []
    const names = new Set<string>()
    for (const item of groupsNode.items as Node[]) {
      if (!isMap(item)) {
        this.problem(item, 'a group must be a map')
        continue
      }
      const group = this.group(item)
      if (group.name === '') this.problem(item, 'Groupname must not be empty')
      else if (names.has(group.name))
        this.problem(item, `groupname: "${group.name}" is repeated in the same file`)
      names.add(group.name)
      groups.push(group)
    }
    return groups
  }

  group(node: YAMLMap): RuleGroup {
    const { scalars, maps } = this.fields(node, GROUP_FIELDS, 'rulefmt.RuleGroup')
    const group: RuleGroup = { name: scalars.name?.value ?? '', rules: [] }
    const intervalMs = this.duration(scalars.interval)
    if (intervalMs !== undefined) group.intervalMs = intervalMs
    if (scalars.limit) {
      const limit = Number(scalars.limit.value)
      if (!Number.isInteger(limit))
        this.problem(scalars.limit.node, `limit must be an integer: "${scalars.limit.value}"`)
      else group.limit = limit
    }
    const rulesNode = maps.rules
    if (rulesNode !== undefined && !isSeq(rulesNode)) this.problem(rulesNode, '"rules" must be a list')
    const items = rulesNode && isSeq(rulesNode) ? (rulesNode.items as Node[]) : []
    items.forEach((item, index) => {
      if (!isMap(item)) this.problem(item, 'a rule must be a map')
      else {
        const rule = this.rule(item, group.name, index + 1)
        if (rule) group.rules.push(rule)
      }
    })
    return group
  }

  rule(
    node: YAMLMap,
    group: string,
    index: number,
  ): AlertRuleDefinition | RecordingRuleDefinition | undefined {
    const { scalars, maps } = this.fields(node, RULE_FIELDS, 'rulefmt.RuleNode')
    const { record, alert, expr } = scalars
    const name = alert?.value || record?.value || ''
    const before = this.problems.length
    const fail = (at: Node | undefined, message: string) =>
      this.problem(at, `group "${group}", rule ${index}, "${name}": ${message}`)
    if (record?.value && alert?.value) fail(record.node, "only one of 'record' and 'alert' must be set")
    if (!record?.value && !alert?.value)
      fail(record?.node ?? alert?.node, "one of 'record' or 'alert' must be set")
    if (!expr?.value) fail(expr?.node, "field 'expr' must be set in rule")
    else {
      try {
        parseExpr(expr.value)
      } catch (error) {
        fail(
          expr.node,
          `could not parse expression: ${(error as Error).message.replace(/^\[opskit\/\w+\] /, '')}`,
        )
      }
    }
    const labels = this.stringMap(maps.labels, 'labels')
    const annotations = this.stringMap(maps.annotations, 'annotations')
    const forMs = this.duration(scalars.for)
    const keepFiringForMs = this.duration(scalars.keep_firing_for)
    if (record?.value) {
      if (Object.keys(annotations).length > 0)
        fail(record.node, "invalid field 'annotations' in recording rule")
      if (forMs) fail(record.node, "invalid field 'for' in recording rule")
      if (keepFiringForMs) fail(record.node, "invalid field 'keep_firing_for' in recording rule")
      if (!METRIC_NAME.test(record.value)) fail(record.node, `invalid recording rule name: ${record.value}`)
    }
    for (const [label, { node: at }] of Object.entries(labels))
      if (!LABEL_NAME.test(label) || label === '__name__') fail(at, `invalid label name: ${label}`)
    for (const [annotation, { node: at }] of Object.entries(annotations))
      if (!LABEL_NAME.test(annotation)) fail(at, `invalid annotation name: ${annotation}`)
    if (alert?.value) {
      for (const [kind, entries] of [
        ['label', labels],
        ['annotation', annotations],
      ] as const)
        for (const [key, { value, node: at }] of Object.entries(entries)) {
          const problem = templateProblem(value)
          if (problem) fail(at, `${kind} "${key}": template: __alert_${alert.value}:1: ${problem}`)
        }
    }
    if (this.problems.length > before || !expr?.value) return undefined
    const id = `${group}/${index}`
    const plain = (entries: Record<string, { value: string }>) =>
      Object.fromEntries(Object.entries(entries).map(([k, v]) => [k, v.value]))
    if (record?.value)
      return { id, record: record.value, expr: expr.value, ...(maps.labels ? { labels: plain(labels) } : {}) }
    return {
      id,
      name: alert?.value as string,
      expr: expr.value,
      ...(forMs ? { for: forMs } : {}),
      ...(keepFiringForMs ? { keepFiringFor: keepFiringForMs } : {}),
      ...(maps.labels ? { labels: plain(labels) } : {}),
      ...(maps.annotations ? { annotations: plain(annotations) } : {}),
    }
  }
}

/**
 * Reads a Prometheus rule file (`groups` of alerting and recording rules with `interval`,
 * `limit`, `for`, `keep_firing_for`, `labels`, `annotations`) as it is, and rejects what
 * Prometheus' loader rejects: a `MONITOR_INVALID_RULE` error whose message lists every problem as
 * `file:line:column: …` (also in `details.problems`).
 */
export function loadRules(source: string, options: { filename?: string } = {}): RuleGroup[] {
  const reader = new RuleFileReader(source)
  const groups = reader.read()
  if (reader.problems.length > 0) {
    const file = options.filename ?? '<rules>'
    const lines = reader.problems.map((p) => `${file}:${p.line}:${p.column}: ${p.message}`)
    throw new MonitorError('MONITOR_INVALID_RULE', `invalid rule file:\n${lines.join('\n')}`, {
      details: { file, problems: reader.problems },
    })
  }
  return groups
}

/** {@link loadRules} on a file. */
export function loadRulesFile(path: string): RuleGroup[] {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    throw new MonitorError('MONITOR_INVALID_RULE', `${path}: ${(error as Error).message}`)
  }
  return loadRules(text, { filename: path })
}

/**
 * Adds every rule of the groups to an engine, in order (recording rules with
 * `addRecordingRule`); a group's `limit` becomes each rule's `limit`, as in Prometheus.
 */
export function addRuleGroups(engine: RuleEngine, groups: readonly RuleGroup[]): void {
  for (const group of groups)
    for (const rule of group.rules) {
      const limited = group.limit ? { ...rule, limit: group.limit } : rule
      if ('record' in limited) engine.addRecordingRule(limited)
      else engine.addRule(limited)
    }
}
