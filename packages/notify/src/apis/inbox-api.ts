import { parseInput } from '@opskit/core'
import type { InboxApi } from '../notifier/notifier-types.js'
import { userIdSchema } from '../validation/record-schemas.js'
import type { ApiContext } from './api-context.js'

/** `notifier.inbox`: the in-app channel's inbox per user. */
export function createInboxApi({ store, clock, invalid }: ApiContext): InboxApi {
  return {
    list: async (userId, options) =>
      store.listInbox(parseInput(userIdSchema, userId, invalid), {
        unreadOnly: options?.unreadOnly ?? false,
        limit: Math.min(Math.max(options?.limit ?? 50, 1), 500),
      }),
    unreadCount: async (userId) => store.unreadCount(parseInput(userIdSchema, userId, invalid)),
    markRead: (userId, ids) => store.markRead(userId, Array.isArray(ids) ? ids : [ids], clock.now()),
    markAllRead: (userId) => store.markAllRead(userId, clock.now()),
  }
}
