import { parseInput } from '@opskit/core'
import { setBounded } from '@opskit/core/internal'
import { z } from 'zod'
import { NotifyError } from '../errors/notify-error.js'
import { htmlToText } from '../text/html-to-text.js'
import { CHANNELS, type Channel } from '../types/channel.js'
import { type CompiledPart, createLiquidEngine, type LiquidEngine } from './liquid-engine.js'

/** One template: a name, a channel, a locale, and the LiquidJS sources of its parts for that channel. */
export interface NotificationTemplate {
  /** Name the message refers to, e.g. `welcome`. */
  name: string
  channel: Channel
  /** BCP 47 locale such as `en` or `fr-CA`. @default the notifier's default locale */
  locale?: string
  /** Email subject. */
  subject?: string
  /** Email HTML; every `{{ output }}` is HTML-escaped unless piped through `| raw` (or written `{{{ raw }}}`). */
  html?: string
  /** Email text part, SMS body, push/in-app body; never HTML-escaped. When an email has only `html`, text is derived from it. */
  text?: string
  /** Push / in-app title. */
  title?: string
  /** Email: wrap `html` in this layout, as `{% layout '<layout>' %}{% block content %}<html>{% endblock %}`. */
  layout?: string
}

/** The parts of a template. */
export type TemplatePart = 'subject' | 'html' | 'text' | 'title'

/** The rendered strings of a template. */
export interface TemplateContent {
  subject?: string
  html?: string
  text?: string
  title?: string
}

/** A rendered template, with the locale of the variant that was used (after fallback). */
export interface RenderedTemplate extends TemplateContent {
  locale: string
}

/** Options of {@link TemplateRegistry.render}. */
export interface TemplateRenderOptions {
  /** The recipient's locale: picks the variant (`de-AT` → `de` → default) and formats numbers and dates. */
  locale?: string
  /** The recipient's IANA time zone, for `datetime`. @default 'UTC' */
  timeZone?: string
  /** Only this channel's variant. @default every channel the template has */
  channel?: Channel
}

/** Templates per name, channel and locale, on LiquidJS; reached as `notifier.templates`. */
export interface TemplateRegistry {
  /**
   * Adds or replaces a template, parsing every part now: a syntax error throws
   * `NOTIFY_TEMPLATE_ERROR` naming the template, part, file (`files[part]`), line and column.
   */
  register(template: NotificationTemplate, files?: Partial<Record<TemplatePart, string>>): void
  /** Adds or replaces a partial or layout, used as `{% render 'name' %}` / `{% layout 'name' %}`. */
  registerPartial(name: string, source: string, file?: string): void
  /** The best template for a locale: exact, then language (`fr` for `fr-CA`), then the default locale. */
  resolve(name: string, channel: Channel, locale?: string): NotificationTemplate | undefined
  /** Every registered template. */
  list(): NotificationTemplate[]
  /** Names of the registered partials and layouts. */
  partials(): string[]
  /** The source of a registered partial or layout. */
  partialSource(name: string): string | undefined
  /**
   * Renders every part of a template (of every channel it has, or `options.channel`'s) for a
   * preview or a template editor; throws `NOTIFY_TEMPLATE_NOT_FOUND` when there is none, and
   * `NOTIFY_TEMPLATE_MISSING_VARIABLE` naming a variable `data` lacks.
   */
  render(
    name: string,
    data: Record<string, unknown>,
    options?: TemplateRenderOptions,
  ): Partial<Record<Channel, RenderedTemplate>>
}

const NAME = /^[A-Za-z0-9_.-]{1,200}$/
const LOCALE = /^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/
const templateSchema = z
  .object({
    name: z.string().regex(NAME, 'must be 1-200 of A-Z a-z 0-9 _ . -'),
    channel: z.enum(CHANNELS as [Channel, ...Channel[]]),
    locale: z.string().regex(LOCALE, 'must be a BCP 47 locale such as en or fr-CA').optional(),
    subject: z.string().max(998).optional(),
    html: z.string().max(512_000).optional(),
    text: z.string().max(100_000).optional(),
    title: z.string().max(1_000).optional(),
    layout: z.string().regex(NAME).optional(),
  })
  .strict()

const PARTS: readonly TemplatePart[] = ['subject', 'html', 'text', 'title']

/** A registered template with its parts parsed. */
interface Entry {
  template: NotificationTemplate & { locale: string }
  /** The parts present, in render order, and their compiled forms (same order). */
  names: TemplatePart[]
  compiled: CompiledPart[]
  files: Partial<Record<TemplatePart, string>>
}

function checkParts(template: NotificationTemplate): void {
  const fail = (message: string) =>
    new NotifyError('NOTIFY_TEMPLATE_ERROR', message, { details: { template: template.name } })
  if (template.channel === 'email' && !template.subject)
    throw fail(`email template "${template.name}" needs a subject`)
  if (template.channel === 'email' && !template.html && !template.text)
    throw fail(`email template "${template.name}" needs html or text`)
  if (template.channel !== 'email' && template.channel !== 'webhook' && !template.text)
    throw fail(`${template.channel} template "${template.name}" needs text`)
  if (template.layout && (template.channel !== 'email' || !template.html))
    throw fail(`template "${template.name}": a layout wraps the html of an email template`)
}

/** `{% block content %}…{% endblock %}` in a layout (whitespace control allowed). */
const CONTENT_BLOCK = /\{%-?\s*block\s+content\s*-?%\}[\s\S]*?\{%-?\s*endblock(?:\s+content)?\s*-?%\}/

/**
 * A template's `html` inside its `layout`, composed once at registration (the `{% layout %}` tag
 * would do the same on every render, at a multiple of the cost of the template itself).
 */
function composeLayout(engine: LiquidEngine, template: NotificationTemplate & { layout: string }): string {
  const layout = engine.partialSource(template.layout)
  if (layout === undefined || !CONTENT_BLOCK.test(layout)) {
    throw new NotifyError(
      'NOTIFY_TEMPLATE_ERROR',
      layout === undefined
        ? `template "${template.name}" uses layout "${template.layout}", which is not registered`
        : `layout "${template.layout}" has no {% block content %}{% endblock %} for template "${template.name}"`,
      { details: { template: template.name, layout: template.layout } },
    )
  }
  return layout.replace(CONTENT_BLOCK, () => template.html ?? '')
}

/** Renders the parts of one entry; text is derived from the HTML when an email has none. */
function renderEntry(
  engine: LiquidEngine,
  entry: Entry,
  data: Record<string, unknown>,
  format: { locale: string; timeZone: string },
): RenderedTemplate {
  const out: RenderedTemplate = { locale: entry.template.locale }
  const rendered = engine.renderParts(entry.compiled, data, format)
  entry.names.forEach((part, i) => {
    const value = rendered[i]
    if (value !== undefined) out[part] = value
  })
  if (out.text === undefined && out.html !== undefined) out.text = htmlToText(out.html)
  return out
}

/** Most remembered resolve() answers (names × channels × locales asked); cleared when full. */
const MAX_RESOLVED = 10_000

/** Creates a {@link TemplateRegistry}, optionally seeded with templates and partials. */
export function createTemplateRegistry(
  initial: readonly NotificationTemplate[] = [],
  defaultLocale = 'en',
  initialPartials: Readonly<Record<string, string>> = {},
): TemplateRegistry {
  const engine = createLiquidEngine()
  const entries = new Map<string, Entry>()
  /** Answers of resolve(), including "none" (`undefined`), by name, channel and asked locale. */
  const resolved = new Map<string, Entry | undefined>()
  const key = (name: string, channel: Channel, locale: string) =>
    `${name}\u0000${channel}\u0000${locale.toLowerCase()}`

  const lookup = (name: string, channel: Channel, locale?: string): Entry | undefined => {
    // every send resolves its template: remember the answer until the next register()
    const asked = key(name, channel, locale ?? '')
    if (resolved.has(asked)) return resolved.get(asked)
    const candidates = [locale, locale?.split('-')[0], defaultLocale].filter(
      (candidate): candidate is string => Boolean(candidate),
    )
    let found: Entry | undefined
    for (const candidate of candidates) {
      found = entries.get(key(name, channel, candidate))
      if (found) break
    }
    setBounded(resolved, asked, found, MAX_RESOLVED)
    return found
  }

  const registry: TemplateRegistry = {
    register(input, files = {}) {
      const template = parseInput(templateSchema, input, (message, issues) => {
        return new NotifyError('NOTIFY_TEMPLATE_ERROR', `invalid template: ${message}`, {
          details: { issues },
        })
      }) as NotificationTemplate
      checkParts(template)
      const stored = { ...template, locale: template.locale ?? defaultLocale }
      const parts: Partial<Record<TemplatePart, CompiledPart>> = {}
      for (const part of PARTS) {
        const source = stored[part]
        if (source === undefined) continue
        const file = files[part]
        const ref = { template: stored.name, field: part, locale: stored.locale, ...(file ? { file } : {}) }
        // parsed alone first, so that an error's line and column are those of the part's own source
        parts[part] = engine.compile(source, ref, part === 'html')
        if (part === 'html' && stored.layout) {
          const composed = composeLayout(engine, { ...stored, layout: stored.layout })
          parts.html = engine.compile(composed, { ...ref, field: `html in layout "${stored.layout}"` }, true)
        }
      }
      const names = PARTS.filter((part) => parts[part] !== undefined)
      const compiled = names.map((part) => parts[part] as CompiledPart)
      entries.set(key(stored.name, stored.channel, stored.locale), {
        template: stored,
        names,
        compiled,
        files,
      })
      resolved.clear()
    },
    registerPartial(name, source, file) {
      if (!NAME.test(name)) {
        throw new NotifyError(
          'NOTIFY_TEMPLATE_ERROR',
          `partial name "${name}" must be 1-200 of A-Z a-z 0-9 _ . -`,
        )
      }
      engine.setPartial(name, source, file)
      // templates composed with this layout at registration are composed again
      for (const entry of [...entries.values()]) {
        if (entry.template.layout === name) registry.register(entry.template, entry.files)
      }
    },
    resolve: (name, channel, locale) => lookup(name, channel, locale)?.template,
    list: () => [...entries.values()].map((entry) => entry.template),
    partials: () => engine.partials(),
    partialSource: (name) => engine.partialSource(name),
    render(name, data, options = {}) {
      const format = { locale: options.locale ?? defaultLocale, timeZone: options.timeZone ?? 'UTC' }
      const channels = options.channel ? [options.channel] : CHANNELS
      const out: Partial<Record<Channel, RenderedTemplate>> = {}
      for (const channel of channels) {
        const entry = lookup(name, channel, options.locale)
        if (entry) out[channel] = renderEntry(engine, entry, data, format)
      }
      if (Object.keys(out).length === 0) {
        throw new NotifyError(
          'NOTIFY_TEMPLATE_NOT_FOUND',
          `no template "${name}"${options.channel ? ` for ${options.channel}` : ''} in locale ${format.locale} or a fallback`,
          { details: { template: name, locale: format.locale } },
        )
      }
      return out
    },
  }
  for (const [name, source] of Object.entries(initialPartials)) registry.registerPartial(name, source)
  for (const template of initial) registry.register(template)
  return registry
}
