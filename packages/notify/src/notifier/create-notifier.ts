import {
  type Clock,
  createUuidV7Generator,
  type HostDatabase,
  type Logger,
  noopLogger,
  systemClock,
} from '@opskit/core'
import { createDeliveriesApi, createWebhooksApi } from '../apis/deliveries-api.js'
import { createDevicesApi } from '../apis/devices-api.js'
import { createInboxApi } from '../apis/inbox-api.js'
import { createPreferencesApi } from '../apis/preferences-api.js'
import { createTemplatesApi } from '../apis/templates-api.js'
import { createChannelDelivery } from '../delivery/channel-delivery.js'
import { createProviderChain } from '../delivery/provider-chain.js'
import { verifyProviders } from '../delivery/verify-providers.js'
import { NotifyError } from '../errors/notify-error.js'
import type { AnyProvider, ProvidersConfig } from '../providers/index.js'
import { createKyselyNotifyStore } from '../store/kysely/kysely-notify-store.js'
import type { NotifyStore } from '../store/notify-store.js'
import type { ParsedSendInput } from '../validation/message-schema.js'
import { notifyTenantScope } from '../validation/notifier-options.js'
import { invalidMessage, parseSendInput } from '../validation/parse-send-input.js'
import { applyRetention } from './apply-retention.js'
import type { Notifier, NotifierOptions, OutboxDispatcher } from './notifier-types.js'
import { startOutboxDispatcher } from './outbox-dispatcher.js'
import { outboxRow, sendAtMs } from './outbox-message.js'
import { prepareSend } from './prepare-send.js'
import { sendBatch } from './send-batch.js'
import { createSendPipeline } from './send-pipeline.js'
import { createSendPolicy } from './send-policy.js'

/** The configured providers, their names checked unique (they key rate limits and the delivery log). */
function resolveProviders(options: NotifierOptions): ProvidersConfig {
  const providers: ProvidersConfig = { ...options.providers }
  const names = new Set<string>()
  for (const list of Object.values(providers) as AnyProvider[][]) {
    for (const provider of list) {
      if (names.has(provider.name)) {
        throw new NotifyError(
          'NOTIFY_INVALID_OPTIONS',
          `two providers are named "${provider.name}"; names must be unique`,
        )
      }
      names.add(provider.name)
    }
  }
  return providers
}

/** The store of the options: the given one, or a Kysely store on `db` (migrated by its factory). */
async function resolveStore(options: NotifierOptions): Promise<NotifyStore> {
  if (!options.store && !options.db) {
    throw new NotifyError(
      'NOTIFY_INVALID_OPTIONS',
      'createNotifier needs `store` or `db`: the delivery log, idempotency keys and outbox must live somewhere (in unit tests: the memory store of @opskit/notify/testing)',
    )
  }
  if (options.store) return options.store
  return createKyselyNotifyStore({
    db: options.db as HostDatabase,
    ...(options.tablePrefix === undefined ? {} : { tablePrefix: options.tablePrefix }),
    ...(options.logger === undefined ? {} : { logger: options.logger }),
  })
}

/**
 * Creates a notifier: validated sends on email, SMS, push, in-app and webhook, with templates,
 * preferences, retries, failover, rate limits, idempotency, a delivery log and an outbox.
 *
 * @example
 * ```ts
 * const notifier = await createNotifier({ db, providers: { email: [createSmtpProvider({ host, port })] } })
 * await notifier.send({ to: { email: 'ada@example.com' }, channels: ['email'], template: 'welcome', data: { name: 'Ada' } })
 * ```
 */
export async function createNotifier(options: NotifierOptions): Promise<Notifier> {
  const clock: Clock = options.clock ?? systemClock
  const logger: Logger = (options.logger ?? noopLogger).child({ component: 'opskit-notify' })
  const defaults = options.defaults ?? {}
  const tenantOf = notifyTenantScope(options.tenantMode)
  const nextId = createUuidV7Generator(clock)
  const providers = resolveProviders(options)
  const store = await resolveStore(options)
  const defaultLocale = defaults.locale ?? 'en'
  const { templates, templatesOf } = await createTemplatesApi({
    store,
    clock,
    defaultLocale,
    tenantOf,
    maxTenantSets: options.maxTenantTemplateSets ?? 1000,
    ...(options.templateDirectory ? { directory: options.templateDirectory } : {}),
    ...(options.partials ? { partials: options.partials } : {}),
    ...(options.templates ? { templates: options.templates } : {}),
  })
  const chain = createProviderChain({
    clock,
    logger,
    rateLimits: defaults.rateLimits ?? {},
    maxBuckets: defaults.maxRateLimitBuckets ?? 10_000,
    sendTimeoutMs: defaults.sendTimeoutMs ?? 30_000,
    retry: {
      retries: defaults.retry?.retries ?? 3,
      baseMs: defaults.retry?.baseMs ?? 200,
      maxMs: defaults.retry?.maxMs ?? 30_000,
    },
  })
  const prepare = (input: ParsedSendInput, tenantId: string) =>
    prepareSend({ store, providers, templatesOf, defaultLocale }, input, tenantId)
  const sendParsed = createSendPipeline({
    store,
    clock,
    logger,
    nextId,
    policy: createSendPolicy(defaults.criticalCategories ?? []),
    prepare,
    deliver: createChannelDelivery({ store, clock, logger, nextId, chain, providers, defaults }),
    staleAfterMs: defaults.staleAfterMs ?? 120_000,
    metrics: options.metrics,
  })
  const dispatchers = new Set<OutboxDispatcher>()
  let closed = false
  const assertOpen = () => {
    if (closed) throw new NotifyError('NOTIFY_CLOSED', 'the notifier is closed')
  }
  const send = (input: ParsedSendInput, resume: boolean, tenantId: string) => {
    assertOpen()
    return sendParsed(input, resume, tenantId)
  }
  const apiContext = { store, clock, invalid: invalidMessage, tenantOf }

  return {
    templates,
    preferences: createPreferencesApi(apiContext),
    devices: createDevicesApi(apiContext),
    inbox: createInboxApi(apiContext),
    deliveries: createDeliveriesApi(apiContext),
    webhooks: createWebhooksApi(apiContext),
    async send(input) {
      const parsed = parseSendInput(input)
      return (await send(parsed, false, tenantOf(parsed.tenantId))).result
    },
    async sendBatch(inputs, options) {
      assertOpen()
      return sendBatch({ tenantOf, prepare, send }, inputs, options?.concurrency ?? 8)
    },
    async enqueue(input, options) {
      assertOpen()
      const parsed = parseSendInput(input)
      const tenantId = tenantOf(parsed.tenantId)
      await prepare(parsed, tenantId)
      const now = clock.now()
      const idempotencyKey = parsed.idempotencyKey ?? nextId()
      const availableAt = Math.max(now, sendAtMs(parsed.sendAt) ?? now)
      const row = outboxRow(parsed, { id: nextId(), tenantId, idempotencyKey, availableAt, createdAt: now })
      await store.enqueueOutbox([row], options?.trx ? { trx: options.trx as HostDatabase } : undefined)
      return { id: row.id, idempotencyKey }
    },
    startOutboxDispatcher(options = {}) {
      assertOpen()
      const dispatcher = startOutboxDispatcher({
        store,
        clock,
        logger,
        owner: nextId(),
        options,
        send: async (message, tenantId) => {
          assertOpen()
          return sendParsed(parseSendInput(message), true, tenantId)
        },
        onStop: () => dispatchers.delete(dispatcher),
      })
      dispatchers.add(dispatcher)
      return dispatcher
    },
    applyRetention: async (policy, retentionOptions) => {
      assertOpen()
      return applyRetention({ store, clock, logger, tenantOf }, policy, retentionOptions)
    },
    verifyProviders: () => verifyProviders(providers),
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
}
