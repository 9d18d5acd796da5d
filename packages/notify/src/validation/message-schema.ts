import { jsonObjectSchema } from '@opskit/core'
import { z } from 'zod'
import { CHANNELS } from '../types/channel.js'

/** E.164: a plus, a non-zero digit, 7 to 15 digits in all. */
export const E164 = /^\+[1-9]\d{6,14}$/
const DEVICE_TOKEN = /^[A-Za-z0-9_:.-]{8,4096}$/

const email = z.email({ message: 'must be an email address' }).max(254)
const httpUrl = z.url({ protocol: /^https?$/, message: 'must be an http(s) URL' }).max(2048)
const attachment = z
  .object({
    filename: z.string().min(1).max(255),
    content: z.union([z.string(), z.instanceof(Uint8Array)]),
    encoding: z.enum(['utf8', 'base64']).optional(),
    contentType: z.string().max(255).optional(),
  })
  .strict()

/** The most bytes of attachments one email may carry. */
export const MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

/** Schema of `notifier.send()` input. */
export const sendInputSchema = z
  .object({
    /** Its shape is checked by the notifier's tenant scope (`NOTIFY_INVALID_MESSAGE`). */
    tenantId: z.string().max(128).optional(),
    userId: z.string().min(1).max(300).optional(),
    to: z
      .object({
        email: z.union([email, z.array(email).min(1).max(50)]).optional(),
        phone: z.string().regex(E164, 'must be an E.164 number such as +14155550100').optional(),
        deviceTokens: z
          .array(z.string().regex(DEVICE_TOKEN, 'must be a device token'))
          .min(1)
          .max(1000)
          .optional(),
        url: httpUrl.optional(),
      })
      .strict()
      .optional(),
    channels: z
      .array(z.enum(CHANNELS as [string, ...string[]]))
      .min(1)
      .max(5),
    template: z.string().min(1).max(200).optional(),
    content: z
      .object({
        subject: z.string().min(1).max(998).optional(),
        html: z.string().max(512_000).optional(),
        text: z.string().max(100_000).optional(),
        title: z.string().max(1_000).optional(),
      })
      .strict()
      .optional(),
    data: jsonObjectSchema({ maxDepth: 8, maxBytes: 64 * 1024 }).optional(),
    locale: z
      .string()
      .regex(/^[a-zA-Z]{2,3}(-[a-zA-Z0-9]{2,8})*$/, 'must be a BCP 47 locale')
      .optional(),
    category: z
      .string()
      .regex(/^[A-Za-z0-9_.:-]{1,100}$/, 'must be 1-100 of A-Z a-z 0-9 _ . : -')
      .optional(),
    priority: z.enum(['low', 'normal', 'high', 'critical']).optional(),
    idempotencyKey: z.string().min(1).max(255).optional(),
    attachments: z.array(attachment).max(20).optional(),
    sendAt: z.union([z.date(), z.number().int().nonnegative(), z.iso.datetime({ offset: true })]).optional(),
    email: z
      .object({
        from: z.string().min(3).max(320).optional(),
        replyTo: email.optional(),
        headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,76}$/), z.string().max(998)).optional(),
        listUnsubscribe: z.string().min(1).max(2048).optional(),
        tracking: z
          .object({ clicks: z.boolean().optional(), opens: z.boolean().optional() })
          .strict()
          .optional(),
      })
      .strict()
      .optional(),
    push: z
      .object({
        badge: z.number().int().min(0).max(99_999).optional(),
        sound: z.string().max(255).optional(),
        collapseKey: z.string().max(64).optional(),
        ttlMs: z.number().int().min(0).max(2_419_200_000).optional(),
        data: z.record(z.string().max(100), z.string().max(4096)).optional(),
      })
      .strict()
      .optional(),
    webhook: z
      .object({
        type: z
          .string()
          .regex(/^[A-Za-z0-9_.-]{1,200}$/, 'must be a dotted event type')
          .optional(),
      })
      .strict()
      .optional(),
  })
  .strict()
  .superRefine((value, ctx) => {
    if (!value.template && !value.content && value.channels.some((channel) => channel !== 'webhook')) {
      ctx.addIssue({ code: 'custom', message: 'give either template or content', path: ['template'] })
    }
    if (value.template && value.content) {
      ctx.addIssue({ code: 'custom', message: 'give template or content, not both', path: ['content'] })
    }
    if (new Set(value.channels).size !== value.channels.length) {
      ctx.addIssue({ code: 'custom', message: 'lists a channel twice', path: ['channels'] })
    }
    const bytes = (value.attachments ?? []).reduce(
      (sum, item) =>
        sum +
        (typeof item.content === 'string'
          ? Buffer.byteLength(item.content, item.encoding === 'base64' ? 'base64' : 'utf8')
          : item.content.byteLength),
      0,
    )
    if (bytes > MAX_ATTACHMENT_BYTES) {
      ctx.addIssue({
        code: 'custom',
        message: `attachments total ${bytes} bytes, more than ${MAX_ATTACHMENT_BYTES}`,
        path: ['attachments'],
      })
    }
  })

/** A parsed, valid `send()` input. */
export type ParsedSendInput = z.output<typeof sendInputSchema>
