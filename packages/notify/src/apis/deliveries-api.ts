import { parseInput } from '@opskit/core'
import type { DeliveriesApi, WebhooksApi } from '../notifier/notifier-types.js'
import type { DeliveryReceipt } from '../store/records.js'
import { receiptSchema } from '../validation/record-schemas.js'
import type { ApiContext } from './api-context.js'

/** `notifier.deliveries`: a tenant's delivery log, and providers' later delivery reports recorded on it. */
export function createDeliveriesApi({ store, clock, invalid, tenantOf }: ApiContext): DeliveriesApi {
  return {
    get: async (id, options) => store.getNotification(tenantOf(options?.tenantId), id),
    getByIdempotencyKey: async (key, options) => store.getNotificationByKey(tenantOf(options?.tenantId), key),
    list: async (options) =>
      store.listNotifications({
        tenantId: tenantOf(options?.tenantId),
        ...(options?.userId === undefined ? {} : { userId: options.userId }),
        limit: Math.min(Math.max(options?.limit ?? 50, 1), 1000),
      }),
    recordReceipt: async (receipt, options) => {
      const tenantId = tenantOf(options?.tenantId)
      const parsed = parseInput(receiptSchema, receipt, invalid) as DeliveryReceipt
      return store.recordReceipt(tenantId, parsed, clock.now())
    },
  }
}

/** `notifier.webhooks`: endpoints disabled after they answered 410 Gone, as the store keeps them (global). */
export function createWebhooksApi({ store }: ApiContext): WebhooksApi {
  return {
    disabledEndpoints: () => store.listDisabledEndpoints(),
    enableEndpoint: (url) => store.enableEndpoint(url),
  }
}
