import { NotifyError } from '../errors/notify-error.js'

const HTML_ESCAPES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  "'": '&#39;',
}

/** Escapes `& < > " '` for HTML text and attribute values. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (char) => HTML_ESCAPES[char] as string)
}

const PLACEHOLDER = /\{\{\{\s*([\w.]+)\s*\}\}\}|\{\{\s*([\w.]+)\s*\}\}/g

function lookup(data: Record<string, unknown>, path: string): unknown {
  let current: unknown = data
  for (const key of path.split('.')) {
    if (current === null || typeof current !== 'object' || !Object.hasOwn(current, key)) return undefined
    current = (current as Record<string, unknown>)[key]
  }
  return current
}

/** The variables a template string refers to. */
export function templateVariables(source: string): string[] {
  const names = new Set<string>()
  for (const match of source.matchAll(PLACEHOLDER)) names.add((match[1] ?? match[2]) as string)
  return [...names]
}

/**
 * Renders `{{ name }}` placeholders (dotted paths allowed). In `html` mode values are
 * HTML-escaped unless written `{{{ name }}}`. A variable missing from `data` is an error
 * (`NOTIFY_TEMPLATE_MISSING_VARIABLE`) that names it, never an empty string.
 */
export function renderTemplateString(
  source: string,
  data: Record<string, unknown>,
  options: { html: boolean; template: string; field: string },
): string {
  const missing = templateVariables(source).filter((name) => {
    const value = lookup(data, name)
    return value === undefined || value === null
  })
  if (missing.length > 0) {
    throw new NotifyError(
      'NOTIFY_TEMPLATE_MISSING_VARIABLE',
      `template "${options.template}" (${options.field}) needs ${missing.map((name) => `"${name}"`).join(', ')} in data`,
      { details: { template: options.template, field: options.field, missing } },
    )
  }
  return source.replace(PLACEHOLDER, (_whole, raw: string | undefined, escaped: string | undefined) => {
    const value = lookup(data, (raw ?? escaped) as string)
    const text = typeof value === 'object' ? JSON.stringify(value) : String(value)
    return options.html && escaped !== undefined ? escapeHtml(text) : text
  })
}

/** A plain-text rendering of HTML for the text part of an email: tags dropped, entities decoded. */
export function htmlToText(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, '')
    .replace(/<br\s*\/?>/gi, '\n')
    .replace(/<\/(p|div|h[1-6]|li|tr)>/gi, '\n')
    .replace(/<a\s[^>]*href="([^"]*)"[^>]*>([\s\S]*?)<\/a>/gi, '$2 ($1)')
    .replace(/<[^>]+>/g, '')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&nbsp;/g, ' ')
    .replace(/&amp;/g, '&')
    .replace(/[ \t]+\n/g, '\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim()
}
