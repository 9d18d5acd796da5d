import { isOpskitError } from '@opskit/core'
import type { Delivery } from '../store/records.js'
import { chainDelivery, type DeliveryContext, type DeliveryRequest } from './delivery-context.js'

/**
 * Delivers a webhook through the webhook providers in order (retries, failover), unless the
 * endpoint is disabled; an endpoint that answers 410 Gone is disabled in the store, so every
 * instance refuses it from then on.
 */
export async function deliverWebhook(context: DeliveryContext, request: DeliveryRequest): Promise<Delivery> {
  const { store, chain } = context
  const { input } = request
  const url = input.to?.url as string
  if (await store.isEndpointDisabled(url)) {
    return {
      channel: 'webhook',
      provider: '',
      status: 'failed',
      attempts: 0,
      error: { code: 'ENDPOINT_DISABLED', message: 'the endpoint answered 410 Gone earlier and is disabled' },
    }
  }
  const message = {
    url,
    type: input.webhook?.type ?? input.template ?? 'notification',
    data: input.data ?? {},
    idempotencyKey: request.key,
  }
  const outcome = await chain.viaProviders('webhook', context.providers.webhook ?? [], (provider) =>
    chain.call(request.tenantId, provider, (signal) => provider.send(message, { signal })),
  )
  if (isOpskitError(outcome.error) && outcome.error.details?.status === 410) {
    await store.disableEndpoint(url, '410 Gone', context.clock.now())
    context.logger.warn(
      { notificationId: request.notificationId, provider: outcome.provider },
      'webhook endpoint answered 410 Gone; disabled',
    )
  }
  return chainDelivery('webhook', outcome, () => undefined)
}
