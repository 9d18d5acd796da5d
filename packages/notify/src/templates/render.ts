import { escapeHtml, setBounded } from '@opskit/core'
import { NotifyError } from '../errors/notify-error.js'

const PLACEHOLDER = /\{\{\{\s*([\w.]+)\s*\}\}\}|\{\{\s*([\w.]+)\s*\}\}/g

function lookup(data: Record<string, unknown>, path: readonly string[]): unknown {
  let current: unknown = data
  for (const key of path) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

/** A template string split once into literal text and placeholders. */
interface CompiledTemplate {
  /** Literal text around the placeholders: `literals.length === slots.length + 1`. */
  literals: string[]
  slots: Array<{ path: string[]; escaped: boolean }>
  /** Each variable once, in order of first use. */
  names: string[]
}

const compiled = new Map<string, CompiledTemplate>()
const MAX_COMPILED = 1_000

function compile(source: string): CompiledTemplate {
  let template = compiled.get(source)
  if (template) return template
  const literals: string[] = []
  const slots: CompiledTemplate['slots'] = []
  const names = new Set<string>()
  let last = 0
  for (const match of source.matchAll(PLACEHOLDER)) {
    const name = (match[1] ?? match[2]) as string
    literals.push(source.slice(last, match.index))
    slots.push({ path: name.split('.'), escaped: match[2] !== undefined })
    names.add(name)
    last = match.index + match[0].length
  }
  literals.push(source.slice(last))
  template = { literals, slots, names: [...names] }
  // registered templates are few; inline sources that happen to contain {{ }} must not grow it forever
  setBounded(compiled, source, template, MAX_COMPILED)
  return template
}

/** The variables a template string refers to. */
export function templateVariables(source: string): string[] {
  return [...compile(source).names]
}

/**
 * Renders `{{ name }}` placeholders (dotted paths allowed). In `html` mode values are
 * HTML-escaped unless written `{{{ name }}}`. A variable missing from `data` is an error
 * (`NOTIFY_TEMPLATE_MISSING_VARIABLE`) that names it, never an empty string. A source is split
 * into text and placeholders once and reused.
 */
export function renderTemplateString(
  source: string,
  data: Record<string, unknown>,
  options: { html: boolean; template: string; field: string },
): string {
  const template = compile(source)
  const values: unknown[] = new Array(template.slots.length)
  let missing: Set<string> | undefined
  template.slots.forEach((slot, index) => {
    const value = lookup(data, slot.path)
    if (value === undefined || value === null) {
      missing ??= new Set()
      missing.add(slot.path.join('.'))
    }
    values[index] = value
  })
  if (missing) {
    const names = [...missing]
    throw new NotifyError(
      'NOTIFY_TEMPLATE_MISSING_VARIABLE',
      `template "${options.template}" (${options.field}) needs ${names.map((name) => `"${name}"`).join(', ')} in data`,
      { details: { template: options.template, field: options.field, missing: names } },
    )
  }
  let out = template.literals[0] as string
  template.slots.forEach((slot, index) => {
    const value = values[index]
    const text = typeof value === 'object' ? JSON.stringify(value) : String(value)
    out += (options.html && slot.escaped ? escapeHtml(text) : text) + template.literals[index + 1]
  })
  return out
}

export { htmlToText } from '../text/html-to-text.js'
