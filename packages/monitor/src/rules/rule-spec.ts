import { MonitorError } from '../errors/monitor-error.js'
import type { RuleSpec } from '../store/monitor-store-types.js'
import type { RecordingRuleDefinition } from './recording-rules.js'
import type { AlertRuleDefinition } from './rule-engine-types.js'
import { loadRules } from './rule-file.js'

/** The group name a rule created at run time is checked in (it appears in error messages). */
const RUNTIME_GROUP = 'monitor.rules'

/** The name of a rule in Prometheus' form: its `alert` or `record`. */
export function ruleSpecName(rule: RuleSpec): string {
  return 'alert' in rule ? rule.alert : rule.record
}

/**
 * Checks one rule in Prometheus' rule-file form exactly as a rule file is checked
 * ({@link loadRules}: fields, expression, durations, label and annotation names, templates) and
 * gives the engine's definition, with the rule's name as its id. Bad input is a
 * `MONITOR_INVALID_RULE` error listing every problem.
 */
export function ruleDefinitionOf(rule: RuleSpec): AlertRuleDefinition | RecordingRuleDefinition {
  if (rule === null || typeof rule !== 'object' || Array.isArray(rule))
    throw new MonitorError('MONITOR_INVALID_RULE', 'a rule is an object with `alert` or `record` and `expr`')
  // JSON is YAML: the rule goes through the rule-file reader as the only rule of a group
  const text = JSON.stringify({ groups: [{ name: RUNTIME_GROUP, rules: [rule] }] }, null, 1)
  const [group] = loadRules(text, { filename: RUNTIME_GROUP })
  const definition = group?.rules[0]
  if (!definition) throw new MonitorError('MONITOR_INVALID_RULE', 'a rule is needed')
  const name = 'record' in definition ? definition.record : definition.name
  return { ...definition, id: name }
}
