import {
  type Clock,
  createUuidV7Generator,
  type HostDatabase,
  isOpskitError,
  type Logger,
  noopLogger,
  parseInput,
  systemClock,
} from '@opskit/core'
import { NotifyError } from '../errors/notify-error.js'
import type { AnyProvider, ProvidersConfig } from '../providers/index.js'
import { createKyselyNotifyStore } from '../store/kysely-store.js'
import { createMemoryNotifyStore } from '../store/memory-store.js'
import type { NotifyStore } from '../store/notify-store.js'
import type { Delivery, NotificationRecord, OutboxRecord, UserPreferences } from '../store/records.js'
import { mockProviders } from '../testing/mock-providers.js'
import type { Channel } from '../types/channel.js'
import { type ParsedSendInput, sendInputSchema } from '../validation/message-schema.js'
import { createChannelDelivery } from './channel-delivery.js'
import { startOutboxDispatcher } from './dispatcher.js'
import { createRecordApis } from './notifier-apis.js'
import { createNotifierTemplates } from './notifier-templates.js'
import type { Dispatcher, Notifier, NotifierConfig, ProviderHealth, SendResult } from './notifier-types.js'
import { createProviderCalls, errorSummary } from './provider-calls.js'
import { quietHoursEnd } from './quiet-hours.js'
import { type RenderedContent, renderContent } from './render-content.js'

const invalid = (message: string, issues: unknown) =>
  new NotifyError('NOTIFY_INVALID_MESSAGE', `invalid notification: ${message}`, { details: { issues } })

/** The internal outcome of one send, for the outbox. */
interface SendOutcome {
  result: SendResult
  /** Another sender holds the notification (not stale yet): try again later. */
  inFlight?: boolean
  /** Deferred (quiet hours, sendAt) until this instant. */
  deferUntil?: number
}

function toMs(value: ParsedSendInput['sendAt']): number | undefined {
  if (value === undefined) return undefined
  if (value instanceof Date) return value.getTime()
  if (typeof value === 'number') return value
  return Date.parse(value)
}

/** A JSON-safe copy of a parsed message, for the outbox. */
function serialise(input: ParsedSendInput, idempotencyKey: string): Record<string, unknown> {
  const { sendAt: _sendAt, ...rest } = input
  return {
    ...rest,
    idempotencyKey,
    ...(input.attachments
      ? {
          attachments: input.attachments.map((attachment) => ({
            ...attachment,
            ...(typeof attachment.content === 'string'
              ? {}
              : { content: Buffer.from(attachment.content).toString('base64'), encoding: 'base64' as const }),
          })),
        }
      : {}),
  }
}

/**
 * Creates a notifier: validated sends on email, SMS, push, in-app and webhook, with templates,
 * preferences, retries, failover, rate limits, idempotency, a delivery log and an outbox.
 *
 * @example
 * ```ts
 * const notifier = await createNotifier({ mode: 'production', db, providers: { email: [smtpProvider({ host, port })] } })
 * await notifier.send({ to: { email: 'ada@example.com' }, channels: ['email'], template: 'welcome', data: { name: 'Ada' } })
 * ```
 */
export async function createNotifier(config: NotifierConfig): Promise<Notifier> {
  if (config.mode !== 'mock' && config.mode !== 'production') {
    throw new NotifyError('NOTIFY_INVALID_CONFIG', 'mode must be "mock" or "production"')
  }
  if (config.mode === 'production' && !config.db && !config.store) {
    throw new NotifyError(
      'NOTIFY_INVALID_CONFIG',
      'production mode needs `db` (or a `store`): the delivery log, idempotency keys and outbox must be durable',
    )
  }
  const clock: Clock = config.clock ?? systemClock
  const logger: Logger = (config.logger ?? noopLogger).child({ component: 'opskit-notify' })
  const defaults = config.defaults ?? {}
  const nextId = createUuidV7Generator(clock)
  const store: NotifyStore =
    config.store ??
    (config.db
      ? createKyselyNotifyStore({ db: config.db, tablePrefix: config.tablePrefix ?? 'opskit_' })
      : createMemoryNotifyStore())
  await store.migrate()

  const providers: ProvidersConfig = { ...(config.providers ?? {}) }
  if (config.mode === 'mock') {
    const mocks = mockProviders()
    for (const channel of ['email', 'sms', 'push', 'webhook'] as const) {
      if (!providers[channel] || providers[channel]?.length === 0) {
        ;(providers as Record<string, AnyProvider[]>)[channel] = [mocks[channel]]
      }
    }
  }
  const names = new Set<string>()
  for (const list of Object.values(providers) as AnyProvider[][]) {
    for (const provider of list) {
      if (names.has(provider.name)) {
        throw new NotifyError(
          'NOTIFY_INVALID_CONFIG',
          `two providers are named "${provider.name}"; names must be unique`,
        )
      }
      names.add(provider.name)
    }
  }

  const templates = await createNotifierTemplates({
    store,
    clock,
    defaultLocale: defaults.locale ?? 'en',
    ...(config.templateDirectory ? { directory: config.templateDirectory } : {}),
    ...(config.partials ? { partials: config.partials } : {}),
    ...(config.templates ? { templates: config.templates } : {}),
  })
  const critical = new Set(defaults.criticalCategories ?? [])
  const calls = createProviderCalls({
    clock,
    logger,
    rateLimits: defaults.rateLimits ?? {},
    sendTimeoutMs: defaults.sendTimeoutMs ?? 30_000,
    retry: {
      retries: defaults.retry?.retries ?? 3,
      baseMs: defaults.retry?.baseMs ?? 200,
      maxMs: defaults.retry?.maxMs ?? 30_000,
    },
  })
  const staleAfterMs = defaults.staleAfterMs ?? 120_000
  const dispatchers = new Set<Dispatcher>()
  let closed = false

  const assertOpen = () => {
    if (closed) throw new NotifyError('NOTIFY_CLOSED', 'the notifier is closed')
  }

  /** Validation that needs more than the schema: recipients per channel, providers, rendering. */
  const prepare = async (input: ParsedSendInput) => {
    const issues: Array<{ path: string; message: string }> = []
    for (const channel of input.channels as Channel[]) {
      if (channel === 'email' && !input.to?.email)
        issues.push({ path: 'to.email', message: 'required for email' })
      if (channel === 'sms' && !input.to?.phone)
        issues.push({ path: 'to.phone', message: 'required for sms' })
      if (channel === 'webhook' && !input.to?.url)
        issues.push({ path: 'to.url', message: 'required for webhook' })
      if (channel === 'in_app' && !input.userId)
        issues.push({ path: 'userId', message: 'required for in_app' })
      if (channel === 'push' && !input.to?.deviceTokens && !input.userId)
        issues.push({ path: 'to.deviceTokens', message: 'push needs deviceTokens or a userId with devices' })
    }
    if (issues.length > 0) throw invalid(issues.map((i) => `${i.path}: ${i.message}`).join('; '), issues)
    for (const channel of input.channels as Channel[]) {
      if (channel !== 'in_app' && (providers[channel]?.length ?? 0) === 0) {
        throw new NotifyError('NOTIFY_PROVIDER_NOT_CONFIGURED', `no ${channel} provider is configured`, {
          details: { channel },
        })
      }
    }
    const preferences = input.userId ? await store.getPreferences(input.userId) : undefined
    const locale = input.locale ?? preferences?.locale ?? defaults.locale ?? 'en'
    const timeZone = preferences?.timeZone ?? 'UTC'
    const rendered = new Map<Channel, RenderedContent>()
    for (const channel of input.channels as Channel[]) {
      rendered.set(channel, renderContent(input, channel, templates, { locale, timeZone }))
    }
    const sms = rendered.get('sms')
    if (sms && sms.text.length > 1600) {
      throw invalid('content.text: longer than 1600 characters for SMS', [
        { path: 'content.text', message: 'too long for SMS' },
      ])
    }
    const push = rendered.get('push')
    if (push) {
      const bytes = Buffer.byteLength(
        JSON.stringify({ title: push.title, body: push.text, data: input.push?.data ?? {} }),
      )
      if (bytes > 4000) {
        throw invalid(`push: payload is ${bytes} bytes, more than 4000`, [
          { path: 'push', message: 'too large' },
        ])
      }
    }
    return { preferences, rendered }
  }

  const isCritical = (input: ParsedSendInput) =>
    input.priority === 'critical' || (input.category !== undefined && critical.has(input.category))

  const optedOut = (channel: Channel, input: ParsedSendInput, preferences: UserPreferences | undefined) => {
    if (!preferences || isCritical(input)) return false
    if (preferences.channels?.[channel] === false) return true
    const category = input.category === undefined ? undefined : preferences.categories?.[input.category]
    if (category === false) return true
    return typeof category === 'object' && category[channel] === false
  }

  const deliver = createChannelDelivery({ store, clock, logger, nextId, calls, providers, defaults })

  const sendParsed = async (input: ParsedSendInput, resume: boolean): Promise<SendOutcome> => {
    assertOpen()
    const { preferences, rendered } = await prepare(input)
    const now = clock.now()
    const key = input.idempotencyKey ?? nextId()
    const sendAt = toMs(input.sendAt)
    let deferUntil = sendAt !== undefined && sendAt > now ? sendAt : undefined
    if (deferUntil === undefined && !isCritical(input) && preferences?.quietHours) {
      deferUntil = quietHoursEnd(preferences.quietHours, preferences.timeZone ?? 'UTC', now)
    }
    const channels = input.channels as Channel[]
    const queued =
      deferUntil === undefined
        ? []
        : channels.map((channel): Delivery => ({ channel, provider: '', status: 'queued', attempts: 0 }))
    let record: NotificationRecord = {
      id: nextId(),
      idempotencyKey: key,
      ...(input.userId ? { userId: input.userId } : {}),
      ...(input.category ? { category: input.category } : {}),
      state: deferUntil === undefined ? 'sending' : 'queued',
      deliveries: queued,
      createdAt: now,
      updatedAt: now,
    }
    const duplicate = (existing: NotificationRecord, extra: Partial<SendOutcome> = {}): SendOutcome => ({
      result: { id: existing.id, idempotencyKey: key, deliveries: existing.deliveries, duplicate: true },
      ...extra,
    })
    if (deferUntil !== undefined && !resume) {
      // the outbox row first: a crash before the record is written leaves a row that sends it
      // later, never a queued record with nothing to send it; a spare row finds the key taken
      await store.enqueueOutbox([
        {
          id: nextId(),
          message: serialise(input, key),
          idempotencyKey: key,
          state: 'pending',
          attempts: 0,
          availableAt: deferUntil,
          createdAt: now,
        },
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
      const existing = (await store.getNotificationByKey(key)) as NotificationRecord
      if (existing.state === 'done') return duplicate(existing)
      if (existing.state === 'queued' && !resume) return duplicate(existing)
      if (existing.state === 'queued' && deferUntil !== undefined) return duplicate(existing, { deferUntil })
      if (existing.state === 'sending' && existing.updatedAt > now - staleAfterMs) {
        return duplicate(existing, { inFlight: true })
      }
      const taken = await store.transitionNotification(existing.id, {
        from: existing.state,
        expectedUpdatedAt: existing.updatedAt,
        to: 'sending',
        now,
      })
      if (!taken) return duplicate(existing, { inFlight: true })
      if (existing.state === 'sending')
        logger.warn({ notificationId: existing.id }, 'resending a notification whose sender stopped')
      record = { ...existing, state: 'sending', updatedAt: now }
    } else if (deferUntil !== undefined) {
      logger.info({ notificationId: record.id, until: deferUntil }, 'notification deferred')
      return {
        result: { id: record.id, idempotencyKey: key, deliveries: queued, duplicate: false },
        deferUntil,
      }
    }
    const deliveries = await Promise.all(
      channels.map(async (channel) => {
        const started = clock.now()
        const delivery = optedOut(channel, input, preferences)
          ? ({
              channel,
              provider: '',
              status: 'skipped',
              attempts: 0,
              error: { code: 'OPTED_OUT', message: 'the user opted out' },
            } as Delivery)
          : await deliver(channel, input, rendered.get(channel) as RenderedContent, record.id, key)
        config.metrics?.recordDelivery?.({
          channel,
          provider: delivery.provider,
          status: delivery.status,
          attempts: delivery.attempts,
          durationMs: clock.now() - started,
        })
        logger.info(
          {
            notificationId: record.id,
            channel,
            provider: delivery.provider,
            status: delivery.status,
            attempts: delivery.attempts,
          },
          'notification delivery',
        )
        return delivery
      }),
    )
    await store.completeNotification(record.id, deliveries, clock.now())
    return { result: { id: record.id, idempotencyKey: key, deliveries, duplicate: false } }
  }

  const parse = (input: unknown): ParsedSendInput => parseInput(sendInputSchema, input, invalid)

  const notifier: Notifier = {
    mode: config.mode,
    templates,
    async send(input) {
      return (await sendParsed(parse(input), false)).result
    },
    async sendBatch(inputs, options) {
      assertOpen()
      const parsed = inputs.map((input, index) => {
        try {
          return parse(input)
        } catch (error) {
          if (isOpskitError(error)) {
            throw new NotifyError('NOTIFY_INVALID_MESSAGE', `batch item ${index}: ${error.message}`, {
              details: { index, ...(error.details ?? {}) },
            })
          }
          throw error
        }
      })
      for (const [index, input] of parsed.entries()) {
        try {
          await prepare(input)
        } catch (error) {
          if (isOpskitError(error)) {
            throw new NotifyError(
              error.code as NotifyError['code'],
              `batch item ${index}: ${error.message}`,
              {
                details: { index, ...(error.details ?? {}) },
              },
            )
          }
          throw error
        }
      }
      const results: SendResult[] = new Array(parsed.length)
      let next = 0
      const worker = async () => {
        while (next < parsed.length) {
          const index = next++
          results[index] = (await sendParsed(parsed[index] as ParsedSendInput, false)).result
        }
      }
      await Promise.all(Array.from({ length: Math.min(options?.concurrency ?? 8, parsed.length) }, worker))
      return results
    },
    ...createRecordApis({ store, clock, invalid }),
    async enqueue(input, options) {
      assertOpen()
      const parsed = parse(input)
      await prepare(parsed)
      const now = clock.now()
      const key = parsed.idempotencyKey ?? nextId()
      const row: OutboxRecord = {
        id: nextId(),
        message: serialise(parsed, key),
        idempotencyKey: key,
        state: 'pending',
        attempts: 0,
        availableAt: Math.max(now, toMs(parsed.sendAt) ?? now),
        createdAt: now,
      }
      await store.enqueueOutbox([row], options?.trx ? { trx: options.trx as HostDatabase } : undefined)
      return { id: row.id, idempotencyKey: key }
    },
    startDispatcher(options = {}) {
      assertOpen()
      const dispatcher = startOutboxDispatcher({
        store,
        clock,
        logger,
        owner: nextId(),
        options,
        send: async (message) => sendParsed(parse(message), true),
        onStop: () => dispatchers.delete(dispatcher),
      })
      dispatchers.add(dispatcher)
      return dispatcher
    },
    async verifyProviders() {
      const health: ProviderHealth[] = []
      for (const [channel, list] of Object.entries(providers) as Array<[Channel, AnyProvider[]]>) {
        for (const provider of list) {
          if (!provider.verify) {
            health.push({ channel, provider: provider.name, ok: true, checked: false })
            continue
          }
          try {
            await provider.verify()
            health.push({ channel, provider: provider.name, ok: true, checked: true })
          } catch (error) {
            health.push({
              channel,
              provider: provider.name,
              ok: false,
              checked: true,
              error: errorSummary(error),
            })
          }
        }
      }
      return health
    },
    async close() {
      if (closed) return
      closed = true
      await Promise.all([...dispatchers].map((dispatcher) => dispatcher.stop()))
      for (const list of Object.values(providers) as AnyProvider[][]) {
        for (const provider of list) await provider.close?.()
      }
      await store.close()
    },
  }
  return notifier
}

export type { SendOutcome }
