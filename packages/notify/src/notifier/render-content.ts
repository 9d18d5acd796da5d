import { NotifyError } from '../errors/notify-error.js'
import { htmlToText, renderTemplateString } from '../templates/render.js'
import type { TemplateRegistry } from '../templates/template-registry.js'
import type { Channel } from '../types/channel.js'
import type { ParsedSendInput } from '../validation/message-schema.js'

/** What one channel delivers, after rendering. */
export interface RenderedContent {
  subject?: string
  html?: string
  text: string
  title?: string
}

/** Renders a message for one channel, from its template or inline content. */
export function renderContent(
  input: ParsedSendInput,
  channel: Channel,
  templates: TemplateRegistry,
  locale: string,
): RenderedContent {
  const data = input.data ?? {}
  if (input.template) {
    const template = templates.resolve(input.template, channel, locale)
    if (!template) {
      if (channel === 'webhook') return { text: '' }
      throw new NotifyError(
        'NOTIFY_TEMPLATE_NOT_FOUND',
        `no ${channel} template "${input.template}" for locale ${locale}`,
        { details: { template: input.template, channel, locale } },
      )
    }
    const render = (source: string | undefined, field: string, html = false) =>
      source === undefined
        ? undefined
        : renderTemplateString(source, data, { html, template: template.name, field })
    const html = render(template.html, 'html', true)
    const text = render(template.text, 'text') ?? (html ? htmlToText(html) : '')
    const subject = render(template.subject, 'subject')
    const title = render(template.title, 'title')
    return {
      text,
      ...(html === undefined ? {} : { html }),
      ...(subject === undefined ? {} : { subject }),
      ...(title === undefined ? {} : { title }),
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
