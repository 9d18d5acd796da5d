import { providerError } from '../errors/notify-error.js'
import type { RenderedContent } from '../notifier/render-content.js'
import type { EmailMessage, EmailTracking } from '../providers/email-provider.js'
import type { Delivery } from '../store/records.js'
import type { ParsedSendInput } from '../validation/message-schema.js'
import { chainDelivery, type DeliveryContext, type DeliveryRequest, priceOf } from './delivery-context.js'

/** Click/open tracking as a send gives it (a member may be present and undefined: not set). */
type TrackingInput = { [K in keyof EmailTracking]?: EmailTracking[K] | undefined }

/** The tracking of one email: the notifier's default, overridden member by member by the message's. */
function emailTracking(
  defaults: TrackingInput | undefined,
  message: TrackingInput | undefined,
): { tracking?: EmailTracking } {
  const tracking: EmailTracking = {}
  for (const source of [defaults, message]) {
    if (source?.clicks !== undefined) tracking.clicks = source.clicks
    if (source?.opens !== undefined) tracking.opens = source.opens
  }
  return Object.keys(tracking).length > 0 ? { tracking } : {}
}

/** The email a send makes: rendered content, the send's email options, attachments decoded. */
function emailMessage(
  input: ParsedSendInput,
  content: RenderedContent,
  key: string,
  tracking: EmailTracking | undefined,
): EmailMessage {
  return {
    to: Array.isArray(input.to?.email) ? input.to.email : [input.to?.email as string],
    subject: content.subject ?? '',
    text: content.text,
    ...(content.html === undefined ? {} : { html: content.html }),
    ...(input.email?.from ? { from: input.email.from } : {}),
    ...(input.email?.replyTo ? { replyTo: input.email.replyTo } : {}),
    ...(input.email?.headers ? { headers: input.email.headers } : {}),
    ...(input.email?.listUnsubscribe ? { listUnsubscribe: input.email.listUnsubscribe } : {}),
    ...emailTracking(tracking, input.email?.tracking),
    ...(input.attachments
      ? {
          attachments: input.attachments.map((a) => ({
            filename: a.filename,
            content:
              typeof a.content === 'string' && a.encoding === 'base64'
                ? Buffer.from(a.content, 'base64')
                : a.content,
            ...(a.contentType ? { contentType: a.contentType } : {}),
          })),
        }
      : {}),
    idempotencyKey: key,
  }
}

/**
 * Delivers an email through the email providers in order (retries, failover); a provider without
 * the `attachments` capability refuses a message with attachments. Priced per recipient from the
 * price table when the provider reports no cost.
 */
export async function deliverEmail(context: DeliveryContext, request: DeliveryRequest): Promise<Delivery> {
  const { chain, defaults } = context
  const message = emailMessage(request.input, request.content, request.key, defaults.emailTracking)
  const outcome = await chain.viaProviders('email', context.providers.email ?? [], (provider) => {
    if (message.attachments && !provider.capabilities?.attachments) {
      throw providerError({
        provider: provider.name,
        retryable: false,
        message: 'does not support attachments',
        providerCode: 'NO_ATTACHMENTS',
      })
    }
    return chain.call(request.tenantId, provider, (signal) => provider.send(message, { signal }))
  })
  return chainDelivery('email', outcome, () =>
    priceOf(defaults, defaults.pricing?.emailPerMessage, message.to.length),
  )
}
