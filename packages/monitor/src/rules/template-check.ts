/**
 * The checks Prometheus' rule loader makes on alert label and annotation templates (Go
 * `text/template` parsing with Prometheus' functions and `$labels`, `$value`, `$externalLabels`,
 * `$externalURL` defined), reduced to what the parse reports: an unclosed action, an undefined
 * variable, an unknown function. Nothing is executed.
 */

const GO_BUILTINS = [
  'and',
  'call',
  'html',
  'index',
  'slice',
  'js',
  'len',
  'not',
  'or',
  'print',
  'printf',
  'println',
  'urlquery',
  'eq',
  'ge',
  'gt',
  'le',
  'lt',
  'ne',
]
/** Functions of Prometheus' template package (`template/template.go`). */
const PROMETHEUS_FUNCTIONS = [
  'query',
  'first',
  'label',
  'value',
  'strvalue',
  'args',
  'reReplaceAll',
  'safeHtml',
  'match',
  'title',
  'toUpper',
  'toLower',
  'graphLink',
  'tableLink',
  'sortByLabel',
  'stripPort',
  'stripDomain',
  'humanize',
  'humanize1024',
  'humanizeDuration',
  'humanizePercentage',
  'humanizeTimestamp',
  'toTime',
  'toDuration',
  'pathPrefix',
  'externalURL',
  'parseDuration',
  'now',
]
const KEYWORDS = [
  'if',
  'else',
  'end',
  'range',
  'with',
  'define',
  'template',
  'block',
  'nil',
  'true',
  'false',
  'break',
  'continue',
]
const KNOWN_WORDS = new Set([...GO_BUILTINS, ...PROMETHEUS_FUNCTIONS, ...KEYWORDS])
const PREDEFINED = new Set(['$', '$labels', '$value', '$externalLabels', '$externalURL'])

/** Removes quoted strings, raw strings and character literals from an action's text. */
function withoutLiterals(action: string): string {
  return action.replace(/"(?:[^"\\]|\\.)*"|`[^`]*`|'(?:[^'\\]|\\.)*'/g, '""')
}

/** The first problem Prometheus' template parse would report for `text`, or undefined. */
export function templateProblem(text: string): string | undefined {
  const defined = new Set(PREDEFINED)
  let at = 0
  for (;;) {
    const open = text.indexOf('{{', at)
    if (open < 0) return undefined
    const close = text.indexOf('}}', open + 2)
    if (close < 0) return 'unclosed action'
    let action = withoutLiterals(text.slice(open + 2, close))
    if (action.startsWith('-')) action = action.slice(1)
    if (action.endsWith('-')) action = action.slice(0, -1)
    if (/^\s*\/\*/.test(action)) {
      at = close + 2
      continue
    }
    for (const m of action.matchAll(/(\$[a-zA-Z0-9_]*)\s*:?=/g)) defined.add(m[1] as string)
    for (const m of action.matchAll(/\$[a-zA-Z0-9_]*/g))
      if (!defined.has(m[0])) return `undefined variable "${m[0]}"`
    // words in command position: not after `.` or `$`, not part of a number
    for (const m of action.matchAll(/(^|[^.$\w])([a-zA-Z_][a-zA-Z0-9_]*)/g)) {
      const word = m[2] as string
      if (!KNOWN_WORDS.has(word)) return `function "${word}" not defined`
    }
    at = close + 2
  }
}
