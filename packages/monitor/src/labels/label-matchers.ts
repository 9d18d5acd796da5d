import { RE2JS } from 're2js'
import { MonitorError } from '../errors/monitor-error.js'

/** Label matcher operators, fully anchored regexes as in Prometheus and Alertmanager. */
export type MatchOp = '=' | '!=' | '=~' | '!~'

/** A compiled, fully anchored label regex with RE2 semantics (linear-time matching). */
export interface LabelRegex {
  /** The pattern as written, without the anchors. */
  readonly source: string
  /** Whether the whole of `value` matches. */
  matches(value: string): boolean
}

/** One label matcher. */
export interface LabelMatcher {
  name: string
  op: MatchOp
  value: string
  /** Compiled, anchored regex for `=~` and `!~`. */
  regex?: LabelRegex
}

/**
 * How a matcher's regex is anchored: as Prometheus 3 does (`^(?s:re)$`, `.` also matches a
 * newline) or as Alertmanager does (`^(?:re)$`).
 */
export type RegexFlavour = 'prometheus' | 'alertmanager'

/** How many distinct label values a regex matcher remembers its answer for. */
const MEMO_LIMIT = 4096

/** Characters that make a pattern more than a literal string. */
const REGEX_META = /[\\.+*?()|[\]{}^$]/

/**
 * A label regex with RE2 semantics (Go's `regexp` syntax, linear-time matching, through
 * re2js), anchored as `flavour` says. Label values repeat across series and evaluations, so
 * answers are memoised per value (bounded); a pattern without metacharacters is a plain
 * string comparison.
 */
export function compileLabelRegex(pattern: string, flavour: RegexFlavour = 'prometheus'): LabelRegex {
  if (!REGEX_META.test(pattern)) return { source: pattern, matches: (value) => value === pattern }
  const re = RE2JS.compile(flavour === 'prometheus' ? `^(?s:${pattern})$` : `^(?:${pattern})$`)
  const memo = new Map<string, boolean>()
  return {
    source: pattern,
    matches(value) {
      let answer = memo.get(value)
      if (answer === undefined) {
        answer = re.testExact(value)
        if (memo.size >= MEMO_LIMIT) memo.clear()
        memo.set(value, answer)
      }
      return answer
    },
  }
}

/**
 * Compiles a label matcher; `=~`/`!~` patterns are RE2 regexes, fully anchored (see
 * {@link RegexFlavour}). Throws `MONITOR_INVALID_EXPRESSION` when the pattern is not valid RE2
 * syntax (backreferences, lookarounds and the like are not).
 */
export function compileMatcher(
  name: string,
  op: MatchOp,
  value: string,
  flavour: RegexFlavour = 'prometheus',
): LabelMatcher {
  if (op !== '=~' && op !== '!~') return { name, op, value }
  try {
    return { name, op, value, regex: compileLabelRegex(value, flavour) }
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error)
    throw new MonitorError('MONITOR_INVALID_EXPRESSION', `invalid regular expression "${value}": ${reason}`)
  }
}

/** Whether `labels` satisfy `matcher`; a missing label equals the empty string. */
export function matches(matcher: LabelMatcher, labels: Readonly<Record<string, string>>): boolean {
  const value = labels[matcher.name] ?? ''
  switch (matcher.op) {
    case '=':
      return value === matcher.value
    case '!=':
      return value !== matcher.value
    case '=~':
      return (matcher.regex as LabelRegex).matches(value)
    case '!~':
      return !(matcher.regex as LabelRegex).matches(value)
  }
}
