import type { Labels } from '../labels/labels.js'

/**
 * A float64 as Go's `fmt` prints it with `%v` (what `{{ $value }}` gives in a Prometheus
 * template): the shortest digits that round-trip, in exponent form (`1.0195972e+09`,
 * `2.5e-07`, two exponent digits at least) when the decimal exponent is below −4 or at least
 * 6 — Go's `strconv.FormatFloat(v, 'g', -1, 64)` — and `NaN`, `+Inf`, `-Inf`.
 */
export function formatGoFloat(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Number.POSITIVE_INFINITY) return '+Inf'
  if (value === Number.NEGATIVE_INFINITY) return '-Inf'
  if (value === 0) return Object.is(value, -0) ? '-0' : '0'
  const [mantissa, exponentText] = value.toExponential().split('e') as [string, string]
  const exponent = Number(exponentText)
  if (exponent < -4 || exponent >= 6)
    return `${mantissa}e${exponent < 0 ? '-' : '+'}${String(Math.abs(exponent)).padStart(2, '0')}`
  return String(value)
}

const PLACEHOLDER = /\{\{\s*(\$?labels\.([a-zA-Z_][a-zA-Z0-9_]*)|\$?value)\s*\}\}/g

/**
 * Replaces `{{labels.x}}`, `{{$labels.x}}`, `{{value}}` and `{{$value}}` (the value printed as
 * Go prints a float64, see {@link formatGoFloat}); a missing label is empty; nothing is executed.
 */
export function renderTemplate(template: string, labels: Labels, value: number): string {
  if (!template.includes('{{')) return template
  return template.replace(PLACEHOLDER, (_m, whole: string, name?: string) =>
    whole.endsWith('value') ? formatGoFloat(value) : (labels[name as string] ?? ''),
  )
}

/**
 * Sets the rule's templated labels on `labels` as Prometheus' label builder does: a label whose
 * template renders empty is removed, also when the series had it.
 */
export function applyRuleLabels(
  labels: Labels,
  templates: Readonly<Record<string, string>> | undefined,
  source: Labels,
  value: number,
): Labels {
  for (const name in templates) {
    const rendered = renderTemplate(templates[name] as string, source, value)
    if (rendered === '') delete labels[name]
    else labels[name] = rendered
  }
  return labels
}
