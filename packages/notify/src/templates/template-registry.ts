import { parseInput, setBounded } from '@opskit/core'
import { z } from 'zod'
import { NotifyError } from '../errors/notify-error.js'
import type { Channel } from '../types/channel.js'
import { templateVariables } from './render.js'

/** One template: a name, a channel, a locale, and the strings for that channel. */
export interface NotificationTemplate {
  /** Name the message refers to, e.g. `welcome`. */
  name: string
  channel: Channel
  /** BCP 47 locale such as `en` or `fr-CA`. @default 'en' */
  locale?: string
  /** Email subject. */
  subject?: string
  /** Email HTML; values are HTML-escaped unless written `{{{ raw }}}`. */
  html?: string
  /** Email text part, SMS body, push/in-app body. When an email has only `html`, text is derived from it. */
  text?: string
  /** Push / in-app title. */
  title?: string
}

/** The rendered strings of a template. */
export interface TemplateContent {
  subject?: string
  html?: string
  text?: string
  title?: string
}

/** Templates per name, channel and locale; reached as `notifier.templates`. */
export interface TemplateRegistry {
  /** Adds or replaces a template; throws `NOTIFY_TEMPLATE_ERROR` when it is malformed. */
  register(template: NotificationTemplate): void
  /** The best template for a locale: exact, then language (`fr` for `fr-CA`), then the default locale. */
  resolve(name: string, channel: Channel, locale?: string): NotificationTemplate | undefined
  /** Every registered template. */
  list(): NotificationTemplate[]
}

const templateSchema = z
  .object({
    name: z.string().min(1).max(200),
    channel: z.enum(['email', 'sms', 'push', 'in_app', 'webhook']),
    locale: z
      .string()
      .regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, 'must be a BCP 47 locale such as en or fr-CA')
      .optional(),
    subject: z.string().max(998).optional(),
    html: z.string().max(512_000).optional(),
    text: z.string().max(100_000).optional(),
    title: z.string().max(1_000).optional(),
  })
  .strict()

function checkBraces(source: string | undefined, field: string, name: string): void {
  if (source === undefined) return
  const stripped = source.replace(/\{\{\{\s*[\w.]+\s*\}\}\}|\{\{\s*[\w.]+\s*\}\}/g, '')
  if (stripped.includes('{{') || stripped.includes('}}')) {
    throw new NotifyError(
      'NOTIFY_TEMPLATE_ERROR',
      `template "${name}" ${field}: malformed {{ }} placeholder`,
      {
        details: { template: name, field },
      },
    )
  }
}

/** Most remembered resolve() answers (names × channels × locales asked); cleared when full. */
const MAX_RESOLVED = 10_000

/** Creates a {@link TemplateRegistry}, optionally seeded with templates. */
export function createTemplateRegistry(
  initial: readonly NotificationTemplate[] = [],
  defaultLocale = 'en',
): TemplateRegistry {
  const templates = new Map<string, NotificationTemplate>()
  /** Answers of resolve(), including "none" (`undefined`), by name, channel and asked locale. */
  const resolved = new Map<string, NotificationTemplate | undefined>()
  const key = (name: string, channel: Channel, locale: string) =>
    `${name}\u0000${channel}\u0000${locale.toLowerCase()}`
  const registry: TemplateRegistry = {
    register(input) {
      const template = parseInput(templateSchema, input, (message, issues) => {
        return new NotifyError('NOTIFY_TEMPLATE_ERROR', `invalid template: ${message}`, {
          details: { issues },
        })
      })
      for (const field of ['subject', 'html', 'text', 'title'] as const) {
        checkBraces(template[field], field, template.name)
        if (template[field]) templateVariables(template[field])
      }
      if (template.channel === 'email' && !template.subject) {
        throw new NotifyError('NOTIFY_TEMPLATE_ERROR', `email template "${template.name}" needs a subject`)
      }
      if (template.channel === 'email' && !template.html && !template.text) {
        throw new NotifyError('NOTIFY_TEMPLATE_ERROR', `email template "${template.name}" needs html or text`)
      }
      if (template.channel !== 'email' && template.channel !== 'webhook' && !template.text) {
        throw new NotifyError(
          'NOTIFY_TEMPLATE_ERROR',
          `${template.channel} template "${template.name}" needs text`,
        )
      }
      const stored = { ...template, locale: template.locale ?? defaultLocale }
      templates.set(key(stored.name, stored.channel, stored.locale), stored)
      resolved.clear()
    },
    resolve(name, channel, locale) {
      // every send resolves its template: remember the answer until the next register()
      const asked = key(name, channel, locale ?? '')
      if (resolved.has(asked)) return resolved.get(asked)
      const candidates = [locale, locale?.split('-')[0], defaultLocale].filter(
        (candidate): candidate is string => Boolean(candidate),
      )
      let found: NotificationTemplate | undefined
      for (const candidate of candidates) {
        found = templates.get(key(name, channel, candidate))
        if (found) break
      }
      setBounded(resolved, asked, found, MAX_RESOLVED)
      return found
    },
    list: () => [...templates.values()],
  }
  for (const template of initial) registry.register(template)
  return registry
}
