import { isValidTimeZone } from '@opskit/core/internal'
import { z } from 'zod'

const hhmm = z.string().regex(/^([01]\d|2[0-3]):[0-5]\d$/, 'must be HH:MM (24h)')
const channelFlags = z.partialRecord(z.enum(['email', 'sms', 'push', 'in_app', 'webhook']), z.boolean())

/** Schema of a user's preferences (`notifier.preferences.set`/`.update`). */
export const preferencesSchema = z
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

/** Schema of a user id given to the record APIs. */
export const userIdSchema = z.string().min(1).max(300)

/** Schema of a provider's delivery report (`notifier.deliveries.recordReceipt`). */
export const receiptSchema = z
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

/** Schema of a device registration (`notifier.devices.register`). */
export const deviceSchema = z
  .object({
    userId: userIdSchema,
    token: z.string().regex(/^[A-Za-z0-9_:.-]{8,4096}$/, 'must be a device token'),
    platform: z.enum(['ios', 'android', 'web']),
  })
  .strict()
