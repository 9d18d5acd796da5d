import type { Logger } from '@opskit/core'
import { MonitorError } from '../errors/monitor-error.js'
import type { RuleEngine } from '../rules/rule-engine-types.js'
import { ruleDefinitionOf, ruleSpecName } from '../rules/rule-spec.js'
import type { RuleStore } from '../store/monitor-store.js'
import type { RuleSpec, StoredRule } from '../store/monitor-store-types.js'

/**
 * Rules created, changed and deleted at run time: `monitor.rules`. They are checked as a
 * Prometheus rule file is, stored with a version (optimistic concurrency) and evaluated by the
 * leader; every instance picks changes up before its next evaluation. Rules added in code
 * (`alerts.addRule`) or from rule files are read-only here.
 */
export interface Rules {
  /** Stores a new rule (version 1); `MONITOR_CONFLICT` if a rule of that name exists. */
  create(rule: RuleSpec): Promise<StoredRule>
  /**
   * Replaces the rule `name` if it is still at `version`; `MONITOR_CONFLICT` if someone changed it
   * since, `MONITOR_RULE_READ_ONLY` for a rule from code or a file.
   */
  update(name: string, rule: RuleSpec, options: { version: number }): Promise<StoredRule>
  /** Deletes the rule `name` (only at `version`, when given). */
  delete(name: string, options?: { version?: number | undefined }): Promise<void>
  /** Rules created at run time, in name order. */
  list(): Promise<StoredRule[]>
  get(name: string): Promise<StoredRule | undefined>
}

/** What {@link createRuntimeRules} works on. */
export interface RuntimeRulesContext {
  store: RuleStore
  engine: RuleEngine
  logger: Logger
}

/** The rules API and the sync that applies the stored rules to this instance's engine. */
export function createRuntimeRules(ctx: RuntimeRulesContext): { rules: Rules; sync(): Promise<void> } {
  const { store, engine, logger } = ctx
  /** Version of each stored rule this engine runs. */
  const applied = new Map<string, number>()
  let revision: number | undefined
  const inEngine = (name: string) => engine.rules().some((r) => r.name === name)
  const readOnly = (name: string) =>
    new MonitorError(
      'MONITOR_RULE_READ_ONLY',
      `rule ${name} comes from code or a rule file: change it there, not through monitor.rules`,
    )
  const sync = async () => {
    const current = await store.rulesRevision()
    if (current === revision) return
    const stored = await store.listRules()
    const names = new Set(stored.map((r) => r.name))
    for (const name of applied.keys())
      if (!names.has(name)) {
        engine.removeRule(name)
        applied.delete(name)
      }
    for (const { name, version, rule } of stored) {
      if (applied.get(name) === version) continue
      if (!applied.has(name) && inEngine(name)) {
        logger.warn({ rule: name }, 'a stored rule has the name of a rule from code or a file: not applied')
        continue
      }
      applied.set(name, version)
      try {
        const definition = ruleDefinitionOf(rule)
        if ('record' in definition) engine.addRecordingRule(definition)
        else engine.addRule(definition)
      } catch (error) {
        logger.error({ err: error, rule: name }, 'a stored rule no longer passes validation: not applied')
      }
    }
    revision = current
  }
  const named = (name: string, rule: RuleSpec) => {
    ruleDefinitionOf(rule)
    if (ruleSpecName(rule) !== name)
      throw new MonitorError('MONITOR_INVALID_RULE', `the rule's name is ${ruleSpecName(rule)}, not ${name}`)
  }
  const guard = async (name: string) => {
    if (!applied.has(name) && !(await store.getRule(name)) && inEngine(name)) throw readOnly(name)
  }
  return {
    sync,
    rules: {
      async create(rule) {
        ruleDefinitionOf(rule)
        const name = ruleSpecName(rule)
        if (!applied.has(name) && inEngine(name))
          throw new MonitorError('MONITOR_CONFLICT', `a rule named ${name} comes from code or a rule file`)
        const created = await store.createRule(name, rule)
        await sync()
        return created
      },
      async update(name, rule, options) {
        named(name, rule)
        await guard(name)
        const updated = await store.updateRule(name, rule, options?.version)
        await sync()
        return updated
      },
      async delete(name, options) {
        await guard(name)
        await store.deleteRule(name, options?.version)
        await sync()
      },
      list: () => store.listRules(),
      get: (name) => store.getRule(name),
    },
  }
}
