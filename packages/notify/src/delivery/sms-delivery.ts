import { countSmsSegments } from '../sms/segments.js'
import type { Delivery } from '../store/records.js'
import { chainDelivery, type DeliveryContext, type DeliveryRequest, priceOf } from './delivery-context.js'

/** The price of one segment to `phone`: one number, or the longest matching E.164 prefix, else `default`. */
function segmentPrice(
  prefixes: number | Record<string, number> | undefined,
  phone: string,
): number | undefined {
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

/**
 * Delivers an SMS through the SMS providers in order (retries, failover); the delivery carries
 * the segments the provider reported (else counted as carriers do) and is priced per segment.
 */
export async function deliverSms(context: DeliveryContext, request: DeliveryRequest): Promise<Delivery> {
  const { chain, defaults } = context
  const phone = request.input.to?.phone as string
  const body = request.content.text
  const outcome = await chain.viaProviders('sms', context.providers.sms ?? [], (provider) =>
    chain.call(request.tenantId, provider, (signal) =>
      provider.send({ to: phone, body, idempotencyKey: request.key }, { signal }),
    ),
  )
  // providers usually report segments; count them only when this one did not
  const segments = outcome.result?.segments ?? countSmsSegments(body).segments
  const delivery = chainDelivery('sms', outcome, () =>
    priceOf(defaults, segmentPrice(defaults.pricing?.smsPerSegment, phone), segments),
  )
  return { ...delivery, segments }
}
