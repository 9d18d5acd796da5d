import type { Clock, Logger } from '@opskit/core'
import type { DeliverChannel } from '../delivery/channel-delivery.js'
import type { NotifyStore } from '../store/notify-store.js'
import type { Delivery, NotificationRecord } from '../store/records.js'
import type { Channel } from '../types/channel.js'
import type { ParsedSendInput } from '../validation/message-schema.js'
import type { NotifyMetrics, SendResult } from './notifier-types.js'
import { outboxRow } from './outbox-message.js'
import type { PreparedSend } from './prepare-send.js'
import type { RenderedContent } from './render-content.js'
import type { SendPolicy } from './send-policy.js'

/** The internal outcome of one send, for the outbox. */
export interface SendOutcome {
  result: SendResult
  /** Another sender holds the notification (not stale yet): try again later. */
  inFlight?: boolean
  /** Deferred (quiet hours, sendAt) until this instant. */
  deferUntil?: number
}

/** What the send pipeline needs from the notifier. */
export interface SendPipelineContext {
  store: NotifyStore
  clock: Clock
  logger: Logger
  nextId: () => string
  policy: SendPolicy
  prepare: (input: ParsedSendInput, tenantId: string) => Promise<PreparedSend>
  deliver: DeliverChannel
  /** A notification left `sending` this long may be taken over. */
  staleAfterMs: number
  metrics: NotifyMetrics | undefined
}

/**
 * Sends a parsed message in a resolved tenant (`''` for none); `resume` is true when the outbox
 * sends a row it holds.
 */
export type SendParsed = (input: ParsedSendInput, resume: boolean, tenantId: string) => Promise<SendOutcome>

/** One send once its notification is claimed: its record, key, and what `prepare` gave. */
interface ClaimedSend {
  record: NotificationRecord
  key: string
  prepared: PreparedSend
}

const duplicate = (
  existing: NotificationRecord,
  key: string,
  extra: Partial<SendOutcome> = {},
): SendOutcome => ({
  result: { id: existing.id, idempotencyKey: key, deliveries: existing.deliveries, duplicate: true },
  ...extra,
})

/**
 * The taken key's notification: a duplicate to return, or (a stale or queued one the outbox
 * resumes) the record taken over for sending.
 */
async function takeOver(
  context: SendPipelineContext,
  tenantId: string,
  key: string,
  resume: boolean,
  deferUntil: number | undefined,
  now: number,
): Promise<SendOutcome | NotificationRecord> {
  const { store, logger } = context
  const existing = (await store.getNotificationByKey(tenantId, key)) as NotificationRecord
  if (existing.state === 'done') return duplicate(existing, key)
  if (existing.state === 'queued' && !resume) return duplicate(existing, key)
  if (existing.state === 'queued' && deferUntil !== undefined) return duplicate(existing, key, { deferUntil })
  if (existing.state === 'sending' && existing.updatedAt > now - context.staleAfterMs) {
    return duplicate(existing, key, { inFlight: true })
  }
  const taken = await store.transitionNotification(tenantId, existing.id, {
    from: existing.state,
    expectedUpdatedAt: existing.updatedAt,
    to: 'sending',
    now,
  })
  if (!taken) return duplicate(existing, key, { inFlight: true })
  if (existing.state === 'sending')
    logger.warn({ notificationId: existing.id }, 'resending a notification whose sender stopped')
  return { ...existing, state: 'sending', updatedAt: now }
}

/** Delivers one channel (or skips it for an opt-out), reporting it to metrics and the log. */
async function deliverChannel(
  context: SendPipelineContext,
  channel: Channel,
  input: ParsedSendInput,
  send: ClaimedSend,
): Promise<Delivery> {
  const { clock, logger, policy } = context
  const started = clock.now()
  const delivery: Delivery = policy.optedOut(channel, input, send.prepared.preferences)
    ? {
        channel,
        provider: '',
        status: 'skipped',
        attempts: 0,
        error: { code: 'OPTED_OUT', message: 'the user opted out' },
      }
    : await context.deliver(channel, {
        input,
        content: send.prepared.rendered.get(channel) as RenderedContent,
        notificationId: send.record.id,
        tenantId: send.record.tenantId,
        key: send.key,
      })
  const { provider, status, attempts } = delivery
  context.metrics?.recordDelivery?.({
    channel,
    provider,
    status,
    attempts,
    durationMs: clock.now() - started,
  })
  logger.info(
    { notificationId: send.record.id, channel, provider, status, attempts },
    'notification delivery',
  )
  return delivery
}

/**
 * The send pipeline: prepare (validate, render), decide deferral, claim the idempotency key in
 * the store, deliver each channel (or skip it for an opt-out), record the deliveries.
 */
export function createSendPipeline(context: SendPipelineContext): SendParsed {
  const { store, clock, logger, nextId, policy } = context

  return async (input, resume, tenantId) => {
    const prepared = await context.prepare(input, tenantId)
    const now = clock.now()
    const key = input.idempotencyKey ?? nextId()
    const deferUntil = policy.deferUntil(input, prepared.preferences, now)
    const channels = input.channels as Channel[]
    const queued =
      deferUntil === undefined
        ? []
        : channels.map((channel): Delivery => ({ channel, provider: '', status: 'queued', attempts: 0 }))
    let record: NotificationRecord = {
      id: nextId(),
      tenantId,
      idempotencyKey: key,
      ...(input.userId ? { userId: input.userId } : {}),
      ...(input.category ? { category: input.category } : {}),
      state: deferUntil === undefined ? 'sending' : 'queued',
      deliveries: queued,
      createdAt: now,
      updatedAt: now,
    }
    if (deferUntil !== undefined && !resume) {
      // the outbox row first: a crash before the record is written leaves a row that sends it
      // later, never a queued record with nothing to send it; a spare row finds the key taken
      await store.enqueueOutbox([
        outboxRow(input, {
          id: nextId(),
          tenantId,
          idempotencyKey: key,
          availableAt: deferUntil,
          createdAt: now,
        }),
      ])
    }
    // With a key the claim must be durable before any provider call: a repeat, in any process and
    // after any crash, must find it. Without one (and not deferred, which acknowledges at once) no
    // repeat can name this send: committed is enough (README, "Durability of a send"); the durable
    // delivery-log write comes before the acknowledgement.
    const claimed = await store.insertNotification(
      record,
      input.idempotencyKey === undefined && deferUntil === undefined ? { wait: 'committed' } : undefined,
    )
    if (!claimed) {
      const taken = await takeOver(context, tenantId, key, resume, deferUntil, now)
      if ('result' in taken) return taken
      record = taken
    } else if (deferUntil !== undefined) {
      logger.info({ notificationId: record.id, until: deferUntil }, 'notification deferred')
      return {
        result: { id: record.id, idempotencyKey: key, deliveries: queued, duplicate: false },
        deferUntil,
      }
    }
    const send: ClaimedSend = { record, key, prepared }
    const deliveries = await Promise.all(
      channels.map((channel) => deliverChannel(context, channel, input, send)),
    )
    await store.completeNotification(tenantId, record.id, deliveries, clock.now())
    return { result: { id: record.id, idempotencyKey: key, deliveries, duplicate: false } }
  }
}
