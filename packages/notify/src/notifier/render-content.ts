import { NotifyError } from '../errors/notify-error.js'
import type { TemplateContent, TemplateRegistry } from '../templates/template-registry.js'
import { htmlToText } from '../text/html-to-text.js'
import type { Channel } from '../types/channel.js'
import type { ParsedSendInput } from '../validation/message-schema.js'

/** What one channel delivers, after rendering. */
export interface RenderedContent {
  subject?: string
  html?: string
  text: string
  title?: string
}

/**
 * Renders a message for one channel, from its template or inline content, in the recipient's
 * locale (which picks the template variant and formats numbers and dates) and time zone.
 */
export function renderContent(
  input: ParsedSendInput,
  channel: Channel,
  templates: TemplateRegistry | undefined,
  format: { locale: string; timeZone: string },
): RenderedContent {
  const data = input.data ?? {}
  if (input.template && templates) {
    const found = templates.resolve(input.template, channel, format.locale)
    if (!found) {
      if (channel === 'webhook') return { text: '' }
      throw new NotifyError(
        'NOTIFY_TEMPLATE_NOT_FOUND',
        `no ${channel} template "${input.template}" for locale ${format.locale}`,
        { details: { template: input.template, channel, locale: format.locale } },
      )
    }
    const rendered: TemplateContent =
      templates.render(input.template, data, { ...format, channel })[channel] ?? {}
    return {
      text: rendered.text ?? '',
      ...(rendered.html === undefined ? {} : { html: rendered.html }),
      ...(rendered.subject === undefined ? {} : { subject: rendered.subject }),
      ...(rendered.title === undefined ? {} : { title: rendered.title }),
    }
  }
  const content = input.content ?? {}
  const text = content.text ?? (content.html ? htmlToText(content.html) : '')
  if (channel === 'email' && !content.subject) {
    throw new NotifyError('NOTIFY_INVALID_MESSAGE', 'content.subject: an email needs a subject', {
      details: { issues: [{ path: 'content.subject', message: 'required for email' }] },
    })
  }
  if ((channel === 'sms' || channel === 'push' || channel === 'in_app') && !text) {
    throw new NotifyError('NOTIFY_INVALID_MESSAGE', `content.text: ${channel} needs text`, {
      details: { issues: [{ path: 'content.text', message: `required for ${channel}` }] },
    })
  }
  if (channel === 'email' && !text) {
    throw new NotifyError('NOTIFY_INVALID_MESSAGE', 'content: an email needs html or text', {
      details: { issues: [{ path: 'content.text', message: 'required for email' }] },
    })
  }
  return {
    text,
    ...(content.html === undefined ? {} : { html: content.html }),
    ...(content.subject === undefined ? {} : { subject: content.subject }),
    ...(content.title === undefined ? {} : { title: content.title }),
  }
}
