import { MonitorError } from '../errors/monitor-error.js'
import type { LabelMatcher } from '../labels/label-matchers.js'
import type { Labels } from '../labels/labels.js'
import { type MatcherInput, matchesAll, parseMatcher } from './matchers.js'

/** An inhibition rule: a firing source alert mutes matching target alerts that agree on `equal`. */
export interface InhibitRuleInput {
  sourceMatchers: MatcherInput[]
  targetMatchers: MatcherInput[]
  /** Labels that must be equal on source and target (a missing label equals an empty one). */
  equal?: string[]
}

interface CompiledInhibit {
  source: LabelMatcher[]
  target: LabelMatcher[]
  equal: string[]
}

/** Inhibition rules, with firing sources indexed by the fingerprint of their `equal` labels. */
export interface Inhibitor {
  add(rule: InhibitRuleInput): void
  /**
   * Indexes the currently firing alerts (per rule, by their `equal` labels) and returns a check
   * of whether an alert is muted.
   */
  index(
    firing: ReadonlyArray<{ fingerprint: string; labels: Labels }>,
  ): (labels: Labels, fingerprint: string) => boolean
  /** Number of rules. */
  readonly size: number
}

/** Builds an {@link Inhibitor}. */
export function createInhibitor(): Inhibitor {
  const rules: CompiledInhibit[] = []
  const equalKey = (labels: Labels, equal: string[]) => equal.map((n) => labels[n] ?? '').join('\u0000')
  return {
    add(rule) {
      if (!rule || !Array.isArray(rule.sourceMatchers) || !Array.isArray(rule.targetMatchers))
        throw new MonitorError(
          'MONITOR_INVALID_OPTIONS',
          'an inhibition rule needs sourceMatchers and targetMatchers',
        )
      if (rule.sourceMatchers.length === 0 || rule.targetMatchers.length === 0)
        throw new MonitorError(
          'MONITOR_INVALID_OPTIONS',
          'an inhibition rule needs at least one source and one target matcher',
        )
      rules.push({
        source: rule.sourceMatchers.map((m) => parseMatcher(m)),
        target: rule.targetMatchers.map((m) => parseMatcher(m)),
        equal: [...(rule.equal ?? [])],
      })
    },
    index(firing) {
      const perRule = rules.map((rule) => {
        const byKey = new Map<string, Array<{ fingerprint: string; labels: Labels }>>()
        for (const source of firing) {
          if (!matchesAll(rule.source, source.labels)) continue
          const key = equalKey(source.labels, rule.equal)
          const list = byKey.get(key)
          if (list) list.push(source)
          else byKey.set(key, [source])
        }
        return byKey
      })
      return (labels, fingerprint) => {
        for (let i = 0; i < rules.length; i++) {
          const rule = rules[i] as CompiledInhibit
          if (!matchesAll(rule.target, labels)) continue
          const candidates = perRule[i]?.get(equalKey(labels, rule.equal))
          if (!candidates) continue
          const targetIsSource = matchesAll(rule.source, labels)
          for (const source of candidates) {
            if (source.fingerprint === fingerprint) continue
            // an alert matching both sides cannot be inhibited by alerts that also match both sides
            if (targetIsSource && matchesAll(rule.target, source.labels)) continue
            return true
          }
        }
        return false
      }
    },
    get size() {
      return rules.length
    },
  }
}
