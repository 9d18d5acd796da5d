import type { Delivery } from '../store/records.js'
import type { Channel } from '../types/channel.js'
import type { DeliveryContext, DeliveryRequest } from './delivery-context.js'
import { deliverEmail } from './email-delivery.js'
import { deliverInbox } from './inbox-delivery.js'
import { deliverPush } from './push-delivery.js'
import { deliverSms } from './sms-delivery.js'
import { deliverWebhook } from './webhook-delivery.js'

/** One channel's delivery of a rendered notification. */
export type DeliverChannel = (channel: Channel, request: DeliveryRequest) => Promise<Delivery>

const DELIVERY: Record<Channel, (context: DeliveryContext, request: DeliveryRequest) => Promise<Delivery>> = {
  email: deliverEmail,
  sms: deliverSms,
  push: deliverPush,
  in_app: deliverInbox,
  webhook: deliverWebhook,
}

/**
 * The notifier's delivery per channel: in-app to the store's inbox; email, SMS and webhook
 * through the channel's providers in order (retries, failover, cost from the price table when
 * the provider reports none); push routed per device (see `push-delivery.ts`).
 */
export function createChannelDelivery(context: DeliveryContext): DeliverChannel {
  return (channel, request) => DELIVERY[channel](context, request)
}
