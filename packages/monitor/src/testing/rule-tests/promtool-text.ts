import type { Labels } from '../../labels/labels.js'

/** Go's `strconv.Quote` for label values (JSON's escaping covers the printable cases). */
function quote(value: string): string {
  return JSON.stringify(value)
}

/** Compares label sets as Prometheus' `labels.Compare`: name by name, then value, then length. */
export function compareLabels(a: Labels, b: Labels): number {
  const an = Object.keys(a).sort()
  const bn = Object.keys(b).sort()
  for (let i = 0; i < Math.min(an.length, bn.length); i++) {
    const [x, y] = [an[i] as string, bn[i] as string]
    if (x !== y) return x < y ? -1 : 1
    const [u, v] = [a[x] as string, b[y] as string]
    if (u !== v) return u < v ? -1 : 1
  }
  return an.length - bn.length
}

/** A label set as Prometheus prints it: `{__name__="up", job="api"}`, names sorted. */
export function formatLabels(labels: Labels): string {
  const names = Object.keys(labels).sort()
  return `{${names.map((n) => `${n}=${quote(labels[n] as string)}`).join(', ')}}`
}

/** A float as Go's `strconv.FormatFloat(v, 'E', -1, 64)`: `1E+00`, `2.5E-07`, `NaN`, `+Inf`. */
export function formatFloatE(value: number): string {
  if (Number.isNaN(value)) return 'NaN'
  if (value === Number.POSITIVE_INFINITY) return '+Inf'
  if (value === Number.NEGATIVE_INFINITY) return '-Inf'
  const [mantissa, exponent] = value.toExponential().split('e') as [string, string]
  const e = Number(exponent)
  const sign = Object.is(value, -0) ? '-' : ''
  return `${sign}${mantissa.toUpperCase()}E${e < 0 ? '-' : '+'}${String(Math.abs(e)).padStart(2, '0')}`
}

/** Prefixes every line but the first with `indent` (promtool's `indentLines`). */
export function indentLines(text: string, indent: string): string {
  return text.split('\n').join(`\n${indent}`)
}

/** An alert's labels and annotations, as a rule test compares them. */
export interface LabelsAndAnnotations {
  labels: Labels
  annotations: Labels
}

/** Sorts alerts as promtool does before comparing: by labels, then annotations. */
export function sortAlerts(alerts: LabelsAndAnnotations[]): LabelsAndAnnotations[] {
  return [...alerts].sort(
    (a, b) => compareLabels(a.labels, b.labels) || compareLabels(a.annotations, b.annotations),
  )
}

/** A list of alerts as promtool prints it in a failure. */
export function formatAlerts(alerts: LabelsAndAnnotations[]): string {
  if (alerts.length === 0) return '[]'
  const items = alerts.map(
    (a, i) =>
      `${i}:${indentLines(`\nLabels:${formatLabels(a.labels)}\nAnnotations:${formatLabels(a.annotations)}`, '  ')}`,
  )
  return `[\n${items.join(',\n')}\n]`
}

/** A sample list as promtool prints it: `{…} 1E+00, {…} 2E+00`, or `nil`. */
export function formatSamples(samples: Array<{ labels: Labels; value: number }>): string {
  if (samples.length === 0) return 'nil'
  return samples.map((s) => `${formatLabels(s.labels)} ${formatFloatE(s.value)}`).join(', ')
}

/** An error's message without the `[opskit/<package>] ` prefix of opskit's errors. */
export function plainMessage(error: unknown): string {
  return (error instanceof Error ? error.message : String(error)).replace(/^\[opskit\/\w+\] /, '')
}
