import { readdirSync, readFileSync } from 'node:fs'
import { basename, dirname, isAbsolute, join, resolve } from 'node:path'
import { isOpskitError } from '@opskit/core'
import { stringify } from 'yaml'
import { loadRules, type RuleFileProblem, type RuleGroup } from '../../rules/rule-file.js'
import { plainMessage } from './promtool-text.js'
import { runTestGroup } from './run-test-group.js'
import { type RuleTestFile, readRuleTestFile } from './test-file.js'

/** What {@link testRules} found for one test file. */
export interface RuleTestResult {
  /** The file, or `<object>` for a test given as an object. */
  file: string
  passed: boolean
  /** The failures and errors, worded as `promtool test rules` prints them. */
  failures: string[]
  /** Warnings promtool prints too (a `rule_files` pattern that matches nothing). */
  warnings: string[]
}

/** Options of {@link testRules}. */
export interface TestRulesOptions {
  /** Where `rule_files` of a test given as an object are resolved. @default process.cwd() */
  baseDir?: string
}

/** `filepath.Glob` for the patterns rule files use: `*`, `?` and `[…]` in the last path segment. */
function glob(pattern: string): string[] {
  const name = basename(pattern)
  if (!/[*?[]/.test(name)) {
    try {
      readFileSync(pattern)
      return [pattern]
    } catch {
      return []
    }
  }
  const dir = dirname(pattern)
  const re = new RegExp(
    `^${name
      .replace(/[.+^${}()|\\]/g, '\\$&')
      .replace(/\*/g, '[^/]*')
      .replace(/\?/g, '[^/]')}$`,
  )
  try {
    return readdirSync(dir)
      .filter((entry) => re.test(entry))
      .sort()
      .map((entry) => join(dir, entry))
  } catch {
    return []
  }
}

/** The rule groups of the file's `rule_files` and inline `groups`, or promtool-worded load errors. */
function loadRuleGroups(
  test: RuleTestFile,
  baseDir: string,
  warnings: string[],
): { groups: RuleGroup[] } | { errors: string[] } {
  const sources: Array<{ file: string; text: string }> = []
  const errors: string[] = []
  for (const pattern of test.rule_files) {
    const full = pattern !== '' && !isAbsolute(pattern) ? join(baseDir, pattern) : pattern
    const matches = glob(full)
    if (matches.length === 0) warnings.push(`  WARNING: no file match pattern ${full}`)
    for (const file of matches) sources.push({ file, text: readFileSync(file, 'utf8') })
  }
  if (test.groups !== undefined)
    sources.push({ file: '<inline groups>', text: stringify({ groups: test.groups }) })
  const groups: RuleGroup[] = []
  sources.forEach(({ file, text }, index) => {
    try {
      for (const group of loadRules(text, { filename: file }))
        groups.push({ ...group, rules: group.rules.map((rule) => ({ ...rule, id: `${index}:${rule.id}` })) })
    } catch (error) {
      if (!isOpskitError(error, 'MONITOR_INVALID_RULE')) throw error
      const problems = (error.details as { problems?: RuleFileProblem[] } | undefined)?.problems ?? []
      for (const p of problems) errors.push(`${file}: ${p.line}:${p.column}: ${p.message}`)
    }
  })
  return errors.length > 0 ? { errors } : { groups }
}

/** Orders groups as `group_eval_order` says; unlisted groups count as first (promtool's partial order). */
function orderGroups(groups: RuleGroup[], order: string[]): { groups: RuleGroup[] } | { errors: string[] } {
  const position = new Map<string, number>()
  for (const [i, name] of order.entries()) {
    if (position.has(name)) return { errors: [`group name repeated in evaluation order: ${name}`] }
    position.set(name, i)
  }
  return { groups: [...groups].sort((a, b) => (position.get(a.name) ?? 0) - (position.get(b.name) ?? 0)) }
}

async function run(test: RuleTestFile, baseDir: string, file: string): Promise<RuleTestResult> {
  const warnings: string[] = []
  const failures: string[] = []
  const ordered = orderGroups([], test.group_eval_order)
  if ('errors' in ordered) return { file, passed: false, failures: ordered.errors, warnings }
  const loaded = loadRuleGroups(test, baseDir, warnings)
  const rules = 'groups' in loaded ? orderGroups(loaded.groups, test.group_eval_order) : loaded
  // as promtool, each test group loads the rules, so load errors repeat per group
  for (const group of test.tests) {
    if ('errors' in rules) failures.push(...rules.errors)
    else failures.push(...(await runTestGroup(group, test.evaluation_interval, rules.groups)))
  }
  return { file, passed: failures.length === 0, failures, warnings }
}

/**
 * Runs a rule unit-test file in promtool's format (`promtool test rules`) in-process, on opskit's
 * rule engine: `rule_files` (relative to the test file; globs in the file name) or inline `groups`,
 * `evaluation_interval`, `group_eval_order`, and `tests` with `interval`, `input_series` in the
 * expanding notation (`1+2x3 _ stale _x2`), `alert_rule_test` (`exp_alerts` with `exp_labels`,
 * `exp_annotations`) and `promql_expr_test` (`exp_samples`). Gives the failures worded as
 * promtool prints them; a file that cannot be read or parsed is a failure too, as in promtool.
 *
 * @param fileOrObject a path, or the test file's content as an object (durations as strings).
 */
export async function testRules(
  fileOrObject: string | Record<string, unknown>,
  options: TestRulesOptions = {},
): Promise<RuleTestResult> {
  const file = typeof fileOrObject === 'string' ? fileOrObject : '<object>'
  let test: RuleTestFile
  try {
    const text =
      typeof fileOrObject === 'string' ? readFileSync(fileOrObject, 'utf8') : stringify(fileOrObject)
    test = readRuleTestFile(text)
  } catch (error) {
    return { file, passed: false, failures: [plainMessage(error)], warnings: [] }
  }
  const baseDir =
    typeof fileOrObject === 'string' ? dirname(fileOrObject) : resolve(options.baseDir ?? process.cwd())
  return run(test, baseDir, file)
}
