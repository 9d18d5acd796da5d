import { MonitorError } from '../errors/monitor-error.js'
import type { RuleStore, StoredRule } from './monitor-store.js'

/**
 * A {@link RuleStore} in the process: what `monitor.rules` keeps when the monitor has no store
 * (rules then live as long as the process), and the rule part of the memory store.
 */
export function createLocalRuleStore(): RuleStore {
  const rules = new Map<string, StoredRule & { deleted: boolean }>()
  const live = (name: string) => {
    const found = rules.get(name)
    return found && !found.deleted ? found : undefined
  }
  const copy = ({ deleted: _deleted, ...rule }: StoredRule & { deleted: boolean }): StoredRule =>
    structuredClone(rule)
  const check = (name: string, version: number | undefined) => {
    const current = live(name)
    if (!current) throw new MonitorError('MONITOR_NOT_FOUND', `no rule named ${name}`)
    if (version !== undefined && current.version !== version)
      throw new MonitorError(
        'MONITOR_CONFLICT',
        `rule ${name} is at version ${current.version}, not ${version}: read it again and retry`,
        { details: { name, version: current.version } },
      )
    return current
  }
  return {
    async listRules() {
      return [...rules.values()]
        .filter((r) => !r.deleted)
        .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
        .map(copy)
    },
    async getRule(name) {
      const found = live(name)
      return found ? copy(found) : undefined
    },
    async createRule(name, rule) {
      if (live(name))
        throw new MonitorError('MONITOR_CONFLICT', `a rule named ${name} already exists`, {
          details: { name },
        })
      const stored = {
        name,
        version: (rules.get(name)?.version ?? 0) + 1,
        rule: structuredClone(rule),
        updatedAt: Date.now(),
        deleted: false,
      }
      rules.set(name, stored)
      return copy(stored)
    },
    async updateRule(name, rule, version) {
      const current = check(name, version)
      const stored = { ...current, version: version + 1, rule: structuredClone(rule), updatedAt: Date.now() }
      rules.set(name, stored)
      return copy(stored)
    },
    async deleteRule(name, version) {
      const current = check(name, version)
      rules.set(name, { ...current, version: current.version + 1, deleted: true, updatedAt: Date.now() })
    },
    async rulesRevision() {
      let sum = 0
      for (const r of rules.values()) sum += r.version
      return sum
    },
  }
}
