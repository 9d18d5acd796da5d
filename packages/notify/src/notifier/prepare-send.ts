import { NotifyError } from '../errors/notify-error.js'
import type { ProvidersConfig } from '../providers/index.js'
import type { NotifyStore } from '../store/notify-store.js'
import type { UserPreferences } from '../store/records.js'
import type { TemplateRegistry } from '../templates/template-registry.js'
import type { Channel } from '../types/channel.js'
import type { ParsedSendInput } from '../validation/message-schema.js'
import { invalidMessage } from '../validation/parse-send-input.js'
import { type RenderedContent, renderContent } from './render-content.js'

/** The most characters of one SMS body (10 concatenated segments). */
const MAX_SMS_CHARACTERS = 1600
/** The most bytes of a push payload (title, body and data as JSON). */
const MAX_PUSH_BYTES = 4000

/** What preparing a send needs from the notifier. */
export interface PrepareContext {
  store: NotifyStore
  providers: ProvidersConfig
  /** The templates a tenant sees: the defaults with its overrides on top. */
  templatesOf: (tenantId: string) => Promise<TemplateRegistry>
  defaultLocale: string
}

/** A send ready to deliver: the user's preferences and the content rendered per channel. */
export interface PreparedSend {
  preferences: UserPreferences | undefined
  rendered: Map<Channel, RenderedContent>
}

/** Every channel has its recipient: an address, a user id (in-app), device tokens or a user (push). */
function checkRecipients(input: ParsedSendInput): void {
  const issues: Array<{ path: string; message: string }> = []
  for (const channel of input.channels as Channel[]) {
    if (channel === 'email' && !input.to?.email)
      issues.push({ path: 'to.email', message: 'required for email' })
    if (channel === 'sms' && !input.to?.phone) issues.push({ path: 'to.phone', message: 'required for sms' })
    if (channel === 'webhook' && !input.to?.url)
      issues.push({ path: 'to.url', message: 'required for webhook' })
    if (channel === 'in_app' && !input.userId) issues.push({ path: 'userId', message: 'required for in_app' })
    if (channel === 'push' && !input.to?.deviceTokens && !input.userId)
      issues.push({ path: 'to.deviceTokens', message: 'push needs deviceTokens or a userId with devices' })
  }
  if (issues.length > 0) throw invalidMessage(issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues)
}

/** Every channel but in-app has a provider. */
function checkProviders(input: ParsedSendInput, providers: ProvidersConfig): void {
  for (const channel of input.channels as Channel[]) {
    if (channel !== 'in_app' && (providers[channel]?.length ?? 0) === 0) {
      throw new NotifyError('NOTIFY_PROVIDER_NOT_CONFIGURED', `no ${channel} provider is configured`, {
        details: { channel },
      })
    }
  }
}

/** The rendered SMS and push fit their channels' limits. */
function checkSizes(input: ParsedSendInput, rendered: Map<Channel, RenderedContent>): void {
  const sms = rendered.get('sms')
  if (sms && sms.text.length > MAX_SMS_CHARACTERS) {
    throw invalidMessage(`content.text: longer than ${MAX_SMS_CHARACTERS} characters for SMS`, [
      { path: 'content.text', message: 'too long for SMS' },
    ])
  }
  const push = rendered.get('push')
  if (push) {
    const bytes = Buffer.byteLength(
      JSON.stringify({ title: push.title, body: push.text, data: input.push?.data ?? {} }),
    )
    if (bytes > MAX_PUSH_BYTES) {
      throw invalidMessage(`push: payload is ${bytes} bytes, more than ${MAX_PUSH_BYTES}`, [
        { path: 'push', message: 'too large' },
      ])
    }
  }
}

/**
 * The validation a send needs beyond its schema — recipients per channel, a provider per
 * channel, rendering in the recipient's locale and time zone, size limits of the rendered
 * content — done before anything is recorded or sent.
 */
export async function prepareSend(
  context: PrepareContext,
  input: ParsedSendInput,
  tenantId: string,
): Promise<PreparedSend> {
  checkRecipients(input)
  checkProviders(input, context.providers)
  const preferences = input.userId ? await context.store.getPreferences(tenantId, input.userId) : undefined
  const templates = input.template === undefined ? undefined : await context.templatesOf(tenantId)
  const locale = input.locale ?? preferences?.locale ?? context.defaultLocale
  const timeZone = preferences?.timeZone ?? 'UTC'
  const rendered = new Map<Channel, RenderedContent>()
  for (const channel of input.channels as Channel[]) {
    rendered.set(channel, renderContent(input, channel, templates, { locale, timeZone }))
  }
  checkSizes(input, rendered)
  return { preferences, rendered }
}
