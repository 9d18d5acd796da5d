import { parseInput } from '@opskit/core'
import type { DeliveriesApi, WebhooksApi } from '../notifier/notifier-types.js'
import type { DeliveryReceipt } from '../store/records.js'
import { receiptSchema } from '../validation/record-schemas.js'
import type { ApiContext } from './api-context.js'

/** `notifier.deliveries`: the delivery log, and providers' later delivery reports recorded on it. */
export function createDeliveriesApi({ store, clock, invalid }: ApiContext): DeliveriesApi {
  return {
    get: (id) => store.getNotification(id),
    getByIdempotencyKey: (key) => store.getNotificationByKey(key),
    list: (options) =>
      store.listNotifications({
        ...(options?.userId === undefined ? {} : { userId: options.userId }),
        limit: Math.min(Math.max(options?.limit ?? 50, 1), 1000),
      }),
    recordReceipt: async (receipt) =>
      store.recordReceipt(parseInput(receiptSchema, receipt, invalid) as DeliveryReceipt, clock.now()),
  }
}

/** `notifier.webhooks`: endpoints disabled after they answered 410 Gone, as the store keeps them. */
export function createWebhooksApi({ store }: ApiContext): WebhooksApi {
  return {
    disabledEndpoints: () => store.listDisabledEndpoints(),
    enableEndpoint: (url) => store.enableEndpoint(url),
  }
}
