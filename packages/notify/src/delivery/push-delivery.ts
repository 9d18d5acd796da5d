import { isOpskitError, type Logger } from '@opskit/core'
import { providerError } from '../errors/notify-error.js'
import type { RenderedContent } from '../notifier/render-content.js'
import type { PushMessage, PushProvider, PushTokenResult } from '../providers/push-provider.js'
import { type PushRoute, type PushTarget, pushTokenKind, routePushTargets } from '../push/push-routing.js'
import type { NotifyStore } from '../store/notify-store.js'
import type { Delivery } from '../store/records.js'
import type { ParsedSendInput } from '../validation/message-schema.js'
import { type DeliveryContext, type DeliveryRequest, priceOf } from './delivery-context.js'
import { errorSummary, type ProviderChain } from './provider-chain.js'

/** What sending along a push route needs. */
interface PushChainContext {
  chain: ProviderChain
  logger: Logger
  /** The send's tenant (its rate-limit buckets). */
  tenantId: string
}

/** A token's last answer, and the provider that gave it. */
type TokenOutcome = PushTokenResult & { provider: string }

/** One provider's pass over some tokens, with retries of the tokens that failed transiently. */
async function sendToProvider(
  context: PushChainContext,
  provider: PushProvider,
  tokens: readonly string[],
  base: Omit<PushMessage, 'tokens'>,
): Promise<{ answered: Map<string, PushTokenResult>; attempts: number; error?: unknown }> {
  const answered = new Map<string, PushTokenResult>()
  let pending = [...tokens]
  let attempts = 0
  try {
    await context.chain.withRetries(async () => {
      attempts++
      // a provider takes at most `capabilities.maxBatchSize` tokens per call (default: all of them)
      const size = Math.max(1, provider.capabilities?.maxBatchSize ?? pending.length)
      const now = pending
      const again: string[] = []
      for (let start = 0; start < now.length; start += size) {
        const chunk = now.slice(start, start + size)
        let part: Awaited<ReturnType<PushProvider['send']>>
        try {
          part = await context.chain.call(context.tenantId, provider, (signal) =>
            provider.send({ ...base, tokens: chunk }, { signal }),
          )
        } catch (error) {
          // earlier chunks went out: retry only what is left, never resend to their tokens
          pending = [...again, ...now.slice(start)]
          throw error
        }
        for (const result of part.tokens) {
          // a transient failure is kept too, so it is reported if the retries run out
          answered.set(result.token, result)
          if (!result.ok && result.retryable) again.push(result.token)
        }
      }
      if (again.length > 0) {
        pending = again
        throw providerError({
          provider: provider.name,
          retryable: true,
          message: `${again.length} token(s) failed transiently`,
          providerCode: 'PARTIAL',
        })
      }
    })
    return { answered, attempts }
  } catch (error) {
    return { answered, attempts, error }
  }
}

/**
 * Sends one route's tokens along its chain: each provider gets the tokens the previous ones did
 * not deliver, except those a provider said are gone (pruned, never tried elsewhere).
 */
async function sendAlongChain(
  context: PushChainContext,
  route: PushRoute,
  base: Omit<PushMessage, 'tokens'>,
): Promise<{
  final: Map<string, TokenOutcome>
  attempts: number
  lastProvider: string
  lastError?: unknown
}> {
  const final = new Map<string, TokenOutcome>()
  let remaining = route.tokens
  let attempts = 0
  let lastProvider = ''
  let lastError: unknown
  for (const [index, provider] of route.chain.entries()) {
    lastProvider = provider.name
    const pass = await sendToProvider(context, provider, remaining, base)
    attempts += pass.attempts
    for (const [token, result] of pass.answered) final.set(token, { ...result, provider: provider.name })
    if (pass.error !== undefined) lastError = pass.error
    remaining = remaining.filter((token) => {
      const result = final.get(token)
      return !result || (!result.ok && !result.unregistered)
    })
    if (remaining.length === 0) break
    if (isOpskitError(pass.error) && pass.error.details?.recipientInvalid) break
    if (index < route.chain.length - 1) {
      context.logger.warn(
        {
          channel: 'push',
          provider: provider.name,
          tokens: remaining.length,
          ...(pass.error === undefined ? {} : { code: errorSummary(pass.error).code }),
        },
        'push provider did not deliver to some devices; trying the next provider that serves them',
      )
    }
  }
  return { final, attempts, lastProvider, ...(lastError === undefined ? {} : { lastError }) }
}

/** The devices a push goes to: the given tokens, else the user's registered devices. */
async function pushTargets(
  store: NotifyStore,
  tenantId: string,
  input: ParsedSendInput,
): Promise<PushTarget[]> {
  if (input.to?.deviceTokens) {
    return input.to.deviceTokens.map((token) => ({ token, kind: pushTokenKind(token) }))
  }
  const devices = await store.listDevices(tenantId, input.userId as string)
  return devices.map((device) => ({
    token: device.token,
    platform: device.platform,
    kind: pushTokenKind(device.token),
  }))
}

/** The push message for every token, from the rendered content and the send's push options. */
function pushBase(
  input: ParsedSendInput,
  content: RenderedContent,
  key: string,
): Omit<PushMessage, 'tokens'> {
  return {
    ...(content.title === undefined ? {} : { title: content.title }),
    body: content.text,
    priority: input.priority === 'high' || input.priority === 'critical' ? 'high' : 'normal',
    ...(input.push?.data ? { data: input.push.data } : {}),
    ...(input.push?.badge === undefined ? {} : { badge: input.push.badge }),
    ...(input.push?.sound ? { sound: input.push.sound } : {}),
    ...(input.push?.collapseKey ? { collapseKey: input.push.collapseKey } : {}),
    ...(input.push?.ttlMs === undefined ? {} : { ttlMs: input.push.ttlMs }),
    idempotencyKey: key,
  }
}

/**
 * Delivers a push: routes each device to the providers that serve its platform and token kind,
 * fails over only among those, prunes the tokens one of them reported gone, and sums it up in
 * one {@link Delivery} (`provider` lists the providers that delivered, comma-separated).
 */
export async function deliverPush(context: DeliveryContext, request: DeliveryRequest): Promise<Delivery> {
  const { input, content, key, tenantId } = request
  const providers = context.providers.push ?? []
  const targets = await pushTargets(context.store, tenantId, input)
  if (targets.length === 0) {
    return {
      channel: 'push',
      provider: '',
      status: 'skipped',
      attempts: 0,
      error: { code: 'NO_DEVICES', message: 'the user has no registered device' },
    }
  }
  const base = pushBase(input, content, key)
  const { routes, unrouted } = routePushTargets(targets, providers)
  const outcomes = []
  for (const route of routes)
    outcomes.push({ route, ...(await sendAlongChain({ ...context, tenantId }, route, base)) })

  const failed: Array<{ token: string; code: string }> = unrouted.map((token) => ({
    token,
    code: 'NO_PROVIDER',
  }))
  const ok: TokenOutcome[] = []
  const gone: string[] = []
  for (const outcome of outcomes) {
    const fallbackCode = outcome.lastError === undefined ? 'FAILED' : errorSummary(outcome.lastError).code
    for (const token of outcome.route.tokens) {
      const result = outcome.final.get(token)
      if (result?.ok) ok.push(result)
      else failed.push({ token, code: result?.errorCode ?? fallbackCode })
      if (result?.unregistered) gone.push(token)
    }
  }
  if (gone.length > 0) {
    const removed = await context.store.removeDevices(tenantId, gone)
    context.logger.info({ pruned: removed }, 'pruned unregistered device tokens')
  }
  const attempts = outcomes.reduce((sum, outcome) => sum + outcome.attempts, 0)
  const order = providers.map((provider) => provider.name)
  const names = (list: string[]) =>
    [...new Set(list)].sort((a, b) => order.indexOf(a) - order.indexOf(b)).join(',')
  const failedTokens = failed.length > 0 ? { failedTokens: failed } : {}
  if (ok.length > 0) {
    const price = priceOf(context.defaults, context.defaults.pricing?.pushPerToken, ok.length)
    const first = ok.find((result) => result.providerMessageId)
    return {
      channel: 'push',
      provider: names(ok.map((result) => result.provider)),
      status: 'sent',
      attempts,
      ...(first?.providerMessageId ? { providerMessageId: first.providerMessageId } : {}),
      ...(price ? { cost: price } : {}),
      ...failedTokens,
    }
  }
  const lastError = outcomes.find((outcome) => outcome.lastError !== undefined)?.lastError
  const error =
    lastError !== undefined
      ? errorSummary(lastError)
      : routes.length === 0
        ? { code: 'NO_PROVIDER', message: 'no push provider serves these devices (platform and token kind)' }
        : { code: failed[0]?.code ?? 'FAILED', message: 'every device token failed' }
  return {
    channel: 'push',
    provider: names(outcomes.map((outcome) => outcome.lastProvider)),
    status: 'failed',
    attempts,
    error,
    ...failedTokens,
  }
}
