import { parseInput } from '@opskit/core'
import type { InboxApi } from '../notifier/notifier-types.js'
import { userIdSchema } from '../validation/record-schemas.js'
import type { ApiContext } from './api-context.js'

/** `notifier.inbox`: the in-app channel's inbox per user and tenant. */
export function createInboxApi({ store, clock, invalid, tenantOf }: ApiContext): InboxApi {
  return {
    list: async (userId, options) =>
      store.listInbox(tenantOf(options?.tenantId), parseInput(userIdSchema, userId, invalid), {
        unreadOnly: options?.unreadOnly ?? false,
        limit: Math.min(Math.max(options?.limit ?? 50, 1), 500),
      }),
    unreadCount: async (userId, options) =>
      store.unreadCount(tenantOf(options?.tenantId), parseInput(userIdSchema, userId, invalid)),
    markRead: async (userId, ids, options) =>
      store.markRead(tenantOf(options?.tenantId), userId, Array.isArray(ids) ? ids : [ids], clock.now()),
    markAllRead: async (userId, options) =>
      store.markAllRead(tenantOf(options?.tenantId), userId, clock.now()),
  }
}
