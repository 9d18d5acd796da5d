import { type Clock, isOpskitError, type Logger } from '@opskit/core'
import { providerError } from '../errors/notify-error.js'
import type { EmailMessage, EmailTracking } from '../providers/email-provider.js'
import type { AnyProvider, ProvidersConfig } from '../providers/index.js'
import type { Cost } from '../providers/provider-common.js'
import { countSmsSegments } from '../sms/segments.js'
import type { NotifyStore } from '../store/notify-store.js'
import type { Delivery } from '../store/records.js'
import type { Channel } from '../types/channel.js'
import type { ParsedSendInput } from '../validation/message-schema.js'
import type { NotifierDefaults } from './notifier-types.js'
import { type ChainOutcome, errorSummary, type ProviderCalls } from './provider-calls.js'
import { deliverPush } from './push-delivery.js'
import type { RenderedContent } from './render-content.js'

function priceFor(prefixes: number | Record<string, number> | undefined, phone: string): number | undefined {
  if (prefixes === undefined || typeof prefixes === 'number') return prefixes
  let best: string | undefined
  for (const prefix of Object.keys(prefixes)) {
    if (
      prefix !== 'default' &&
      phone.startsWith(prefix) &&
      (best === undefined || prefix.length > best.length)
    )
      best = prefix
  }
  return prefixes[best ?? 'default']
}

/** The tracking of one email: the notifier's default, overridden member by member by the message's. */
function emailTracking(
  defaults: EmailTracking | undefined,
  message: EmailTracking | undefined,
): { tracking?: EmailTracking } {
  const tracking = { ...defaults, ...message }
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

/** What delivering on a channel needs from the notifier. */
export interface ChannelDeliveryContext {
  store: NotifyStore
  clock: Clock
  logger: Logger
  nextId: () => string
  calls: ProviderCalls
  providers: ProvidersConfig
  defaults: NotifierDefaults
}

/** One channel's delivery of a rendered notification: the in-app inbox, or the channel's providers. */
export type DeliverChannel = (
  channel: Channel,
  input: ParsedSendInput,
  content: RenderedContent,
  notificationId: string,
  key: string,
) => Promise<Delivery>

/**
 * Builds the notifier's delivery per channel: in-app to the store's inbox; email, SMS and webhook
 * through the channel's providers in order (retries, failover, cost from the price table when the
 * provider reports none); push routed per device (see `push-delivery.ts`).
 */
export function createChannelDelivery(context: ChannelDeliveryContext): DeliverChannel {
  const { store, clock, logger, nextId, calls, providers, defaults } = context
  const currency = defaults.pricing?.currency ?? 'USD'

  const cost = (amount: number | undefined, units: number): Cost | undefined =>
    amount === undefined ? undefined : { amount: Math.round(amount * units * 1e6) / 1e6, currency }

  const deliver = async (
    channel: Channel,
    input: ParsedSendInput,
    content: RenderedContent,
    notificationId: string,
    key: string,
  ): Promise<Delivery> => {
    if (channel === 'in_app') {
      await store.addInboxItem({
        id: nextId(),
        userId: input.userId as string,
        ...(content.title === undefined ? {} : { title: content.title }),
        body: content.text,
        ...(input.category === undefined ? {} : { category: input.category }),
        ...(input.data === undefined ? {} : { data: input.data }),
        createdAt: clock.now(),
      })
      return { channel, provider: 'inbox', status: 'sent', providerMessageId: notificationId, attempts: 1 }
    }
    if (channel === 'email') {
      const message = emailMessage(input, content, key, defaults.emailTracking)
      const to = message.to
      const outcome = await calls.viaProviders('email', providers.email ?? [], (provider) => {
        if (message.attachments && !provider.capabilities?.attachments) {
          throw providerError({
            provider: provider.name,
            retryable: false,
            message: 'does not support attachments',
            providerCode: 'NO_ATTACHMENTS',
          })
        }
        return calls.call(provider, (signal) =>
          (provider as Extract<AnyProvider, { channel: 'email' }>).send(message, { signal }),
        )
      })
      return finish(channel, outcome, () => cost(defaults.pricing?.emailPerMessage, to.length))
    }
    if (channel === 'sms') {
      const phone = input.to?.phone as string
      const outcome = await calls.viaProviders('sms', providers.sms ?? [], (provider) =>
        calls.call(provider, (signal) =>
          (provider as Extract<AnyProvider, { channel: 'sms' }>).send(
            { to: phone, body: content.text, idempotencyKey: key },
            { signal },
          ),
        ),
      )
      // providers usually report segments; count them only when this one did not
      const segments = outcome.result?.segments ?? countSmsSegments(content.text).segments
      const delivery = finish(channel, outcome, () =>
        cost(priceFor(defaults.pricing?.smsPerSegment, phone), segments),
      )
      return { ...delivery, segments }
    }
    if (channel === 'webhook') {
      const url = input.to?.url as string
      if (await store.isEndpointDisabled(url)) {
        return {
          channel,
          provider: '',
          status: 'failed',
          attempts: 0,
          error: {
            code: 'ENDPOINT_DISABLED',
            message: 'the endpoint answered 410 Gone earlier and is disabled',
          },
        }
      }
      const outcome = await calls.viaProviders('webhook', providers.webhook ?? [], (provider) =>
        calls.call(provider, (signal) =>
          (provider as Extract<AnyProvider, { channel: 'webhook' }>).send(
            {
              url,
              type: input.webhook?.type ?? input.template ?? 'notification',
              data: input.data ?? {},
              idempotencyKey: key,
            },
            { signal },
          ),
        ),
      )
      if (isOpskitError(outcome.error) && outcome.error.details?.status === 410) {
        await store.disableEndpoint(url, '410 Gone', clock.now())
        logger.warn(
          { notificationId, provider: outcome.provider },
          'webhook endpoint answered 410 Gone; disabled',
        )
      }
      return finish(channel, outcome, () => undefined)
    }
    return deliverPush(
      {
        providers: providers.push ?? [],
        store,
        logger,
        calls,
        cost: (tokens) => cost(defaults.pricing?.pushPerToken, tokens),
      },
      input,
      content,
      key,
    )
  }

  const finish = (
    channel: Channel,
    outcome: ChainOutcome,
    fallbackCost: () => Cost | undefined,
  ): Delivery => {
    if (outcome.result) {
      const price = outcome.result.cost ?? fallbackCost()
      return {
        channel,
        provider: outcome.provider,
        status: 'sent',
        attempts: outcome.attempts,
        ...(outcome.result.providerMessageId ? { providerMessageId: outcome.result.providerMessageId } : {}),
        ...(price ? { cost: price } : {}),
      }
    }
    return {
      channel,
      provider: outcome.provider,
      status: 'failed',
      attempts: outcome.attempts,
      error: errorSummary(outcome.error),
    }
  }

  return deliver
}
