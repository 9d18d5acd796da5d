import type { Clock, Logger } from '@opskit/core'
import type { NotifierDefaults } from '../notifier/notifier-types.js'
import type { RenderedContent } from '../notifier/render-content.js'
import type { ProvidersConfig } from '../providers/index.js'
import type { Cost } from '../providers/provider-common.js'
import type { NotifyStore } from '../store/notify-store.js'
import type { Delivery } from '../store/records.js'
import type { Channel } from '../types/channel.js'
import type { ParsedSendInput } from '../validation/message-schema.js'
import { type ChainOutcome, errorSummary, type ProviderChain } from './provider-chain.js'

/** What delivering on a channel needs from the notifier. */
export interface DeliveryContext {
  store: NotifyStore
  clock: Clock
  logger: Logger
  nextId: () => string
  chain: ProviderChain
  providers: ProvidersConfig
  defaults: NotifierDefaults
}

/** One channel's part of a send: the validated input, its rendered content and its identity. */
export interface DeliveryRequest {
  input: ParsedSendInput
  content: RenderedContent
  notificationId: string
  /** The send's tenant (`''` for none): its devices, its inbox, its rate-limit buckets. */
  tenantId: string
  /** The idempotency key, passed on to the providers. */
  key: string
}

/** `amount × units` in the price table's currency, rounded to 6 decimals; undefined without a price. */
export function priceOf(
  defaults: NotifierDefaults,
  amount: number | undefined,
  units: number,
): Cost | undefined {
  if (amount === undefined) return undefined
  return { amount: Math.round(amount * units * 1e6) / 1e6, currency: defaults.pricing?.currency ?? 'USD' }
}

/** The delivery a provider chain's outcome makes: sent (with its price) or failed (with the error). */
export function chainDelivery(
  channel: Channel,
  outcome: ChainOutcome,
  fallbackCost: () => Cost | undefined,
): Delivery {
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
