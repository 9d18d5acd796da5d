import { MonitorError } from '../errors/monitor-error.js'
import type { LabelMatcher, MatchOp } from '../labels/label-matchers.js'
import { compileMatcher, matches } from '../labels/label-matchers.js'
import type { Labels } from '../labels/labels.js'

/** A matcher as configured: `'severity=~"page|critical"'`, or `{ name, op, value }`. */
export type MatcherInput = string | { name: string; op?: MatchOp | undefined; value: string }

/** Parses one matcher; throws `code` (default `MONITOR_INVALID_OPTIONS`) when malformed. */
export function parseMatcher(
  input: MatcherInput,
  code: 'MONITOR_INVALID_OPTIONS' | 'MONITOR_INVALID_SILENCE' = 'MONITOR_INVALID_OPTIONS',
): LabelMatcher {
  if (typeof input === 'string') {
    const m = /^\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*(=~|!~|!=|=)\s*(?:"((?:[^"\\]|\\.)*)"|([^"\s]*))\s*$/.exec(
      input,
    )
    if (!m) throw new MonitorError(code, `matcher "${input}" is not of the form name="value" (= != =~ !~)`)
    return safeCompile(m[1] as string, m[2] as MatchOp, (m[3] ?? m[4] ?? '').replace(/\\(.)/g, '$1'), code)
  }
  if (
    !input ||
    typeof input.name !== 'string' ||
    !/^[a-zA-Z_][a-zA-Z0-9_]*$/.test(input.name) ||
    typeof input.value !== 'string'
  )
    throw new MonitorError(code, 'a matcher needs a label name and a string value')
  const op = input.op ?? '='
  if (!['=', '!=', '=~', '!~'].includes(op)) throw new MonitorError(code, `unknown matcher operator "${op}"`)
  return safeCompile(input.name, op, input.value, code)
}

function safeCompile(
  name: string,
  op: MatchOp,
  value: string,
  code: 'MONITOR_INVALID_OPTIONS' | 'MONITOR_INVALID_SILENCE',
): LabelMatcher {
  try {
    return compileMatcher(name, op, value, 'alertmanager')
  } catch {
    throw new MonitorError(code, `matcher ${name}${op}"${value}" has an invalid regular expression`)
  }
}

/** Whether every matcher matches `labels`. */
export function matchesAll(matchers: readonly LabelMatcher[], labels: Labels): boolean {
  for (const m of matchers) if (!matches(m, labels)) return false
  return true
}

/** Renders a matcher back to its text form. */
export function formatMatcher(m: LabelMatcher): string {
  return `${m.name}${m.op}${JSON.stringify(m.value)}`
}
