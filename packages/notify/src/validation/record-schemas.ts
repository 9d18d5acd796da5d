import { type Clock, parseInput } from '@opskit/core'
import { z } from 'zod'
import type { NotifyError } from '../errors/notify-error.js'
import type { NotifyStore } from '../store/notify-store.js'
import type { DeliveryReceipt, UserPreferences } from '../store/records.js'
import type { Notifier } from './notifier-types.js'
import { isValidTimeZone } from './quiet-hours.js'

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24h)')
const channelFlags = z.partialRecord(z.enum(['email', 'sms', 'push', 'in_app', 'webhook']), z.boolean())
const preferencesSchema = z
  .object({
    timeZone: z.string().refine(isValidTimeZone, 'must be an IANA time zone such as Europe/Paris').optional(),
    locale: z
      .string()
      .regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/)
      .optional(),
    channels: channelFlags.optional(),
    categories: z.record(z.string().max(100), z.union([z.boolean(), channelFlags])).optional(),
    quietHours: z.object({ start: hhmm, end: hhmm }).strict().optional(),
  })
  .strict()
const userIdSchema = z.string().min(1).max(300)
const receiptSchema = z
  .object({
    provider: z.string().min(1).max(100),
    providerMessageId: z.string().min(1).max(300),
    status: z.string().min(1).max(50),
    errorCode: z.string().max(50).optional(),
    occurredAt: z.number().int().nonnegative().optional(),
    cost: z
      .object({ amount: z.number().finite().nonnegative(), currency: z.string().regex(/^[A-Z]{3}$/) })
      .strict()
      .optional(),
  })
  .strict()
const deviceSchema = z
  .object({
    userId: userIdSchema,
    token: z.string().regex(/^[A-Za-z0-9_:.-]{8,4096}$/, 'must be a device token'),
    platform: z.enum(['ios', 'android', 'web']),
  })
  .strict()

/** What the record APIs need: the store, the clock, and the error for invalid input. */
export interface RecordApisContext {
  store: NotifyStore
  clock: Clock
  invalid: (message: string, issues: unknown) => NotifyError
}

/**
 * `notifier.preferences`, `.devices`, `.inbox`, `.deliveries` and `.webhooks`: validated reads and
 * writes of what the store keeps per user, device, inbox item, notification and endpoint.
 */
export function createRecordApis(
  context: RecordApisContext,
): Pick<Notifier, 'preferences' | 'devices' | 'inbox' | 'deliveries' | 'webhooks'> {
  const { store, clock, invalid } = context
  return {
    preferences: {
      async get(userId) {
        return (await store.getPreferences(parseInput(userIdSchema, userId, invalid))) ?? {}
      },
      async set(userId, preferences) {
        const value = parseInput(preferencesSchema, preferences, invalid) as UserPreferences
        await store.setPreferences(parseInput(userIdSchema, userId, invalid), value)
      },
      async update(userId, changes) {
        const current = (await store.getPreferences(parseInput(userIdSchema, userId, invalid))) ?? {}
        const merged = parseInput(preferencesSchema, { ...current, ...changes }, invalid) as UserPreferences
        await store.setPreferences(userId, merged)
        return merged
      },
    },
    devices: {
      async register(device) {
        const value = parseInput(deviceSchema, device, invalid)
        const now = clock.now()
        await store.upsertDevice({ ...value, createdAt: now, lastSeenAt: now })
      },
      list: async (userId) => store.listDevices(parseInput(userIdSchema, userId, invalid)),
      remove: async (token) => (await store.removeDevices([token])) > 0,
      seen: (token) => store.touchDevice(token, clock.now()),
      prune: ({ olderThanMs }) => store.pruneDevices(clock.now() - olderThanMs),
    },
    inbox: {
      list: async (userId, options) =>
        store.listInbox(parseInput(userIdSchema, userId, invalid), {
          unreadOnly: options?.unreadOnly ?? false,
          limit: Math.min(Math.max(options?.limit ?? 50, 1), 500),
        }),
      unreadCount: async (userId) => store.unreadCount(parseInput(userIdSchema, userId, invalid)),
      markRead: (userId, ids) => store.markRead(userId, Array.isArray(ids) ? ids : [ids], clock.now()),
      markAllRead: (userId) => store.markAllRead(userId, clock.now()),
    },
    deliveries: {
      get: (id) => store.getNotification(id),
      getByIdempotencyKey: (key) => store.getNotificationByKey(key),
      list: (options) =>
        store.listNotifications({
          ...(options?.userId === undefined ? {} : { userId: options.userId }),
          limit: Math.min(Math.max(options?.limit ?? 50, 1), 1000),
        }),
      recordReceipt: async (receipt) =>
        store.recordReceipt(parseInput(receiptSchema, receipt, invalid) as DeliveryReceipt, clock.now()),
    },
    webhooks: {
      disabledEndpoints: () => store.listDisabledEndpoints(),
      enableEndpoint: (url) => store.enableEndpoint(url),
    },
  }
}
