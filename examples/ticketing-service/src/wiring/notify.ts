import type { HostDatabase, Logger } from '@opskit/core'
import { type AlertChannel, createNotifierChannel } from '@opskit/monitor'
import {
  createNotifier,
  type NotificationTemplate,
  type Notifier,
  type OutboxDispatcher,
} from '@opskit/notify'
import { createSmtpProvider } from '@opskit/notify/smtp'
import type { TicketingDb } from '../db/schema.js'
import type { DomainHooks } from '../domain/hooks.js'
import { createRecordingProviders, type RecordingProviders } from './recording-providers.js'

/** Where the service's e-mail goes and who is paged. */
export interface NotifyWiringOptions {
  db: HostDatabase
  hooks: DomainHooks
  logger: Logger
  smtp: { host: string; port: number; from: string }
  /** Operators receive alert notifications by e-mail and SMS. */
  operators?: { email: string; phone?: string }
}

/** @opskit/notify in the ticketing service. */
export interface NotifyWiring {
  notifier: Notifier
  providers: RecordingProviders
  /** Deliveries by channel and status, as the notifier reported them. */
  readonly counts: Record<string, Record<string, number>>
  /** Alert channels (e-mail, SMS) for the operators, to add to the alert dispatcher. */
  alertChannels: AlertChannel[]
  close(): Promise<void>
}

const TEMPLATES: NotificationTemplate[] = [
  {
    name: 'welcome',
    channel: 'email',
    subject: 'Welcome to Opskit Tickets, {{ name }}',
    text: 'Hi {{ name }},\n\nyour account {{ email }} is ready. Enjoy the shows!',
    html: '<p>Hi {{ name }},</p><p>your account <b>{{ email }}</b> is ready. Enjoy the shows!</p>',
  },
  {
    name: 'order-confirmed',
    channel: 'email',
    subject: 'Your {{ quantity }} ticket(s) for {{ eventName }}',
    text: 'Order {{ orderId }}: {{ quantity }} ticket(s) for {{ eventName }}, total {{ total }}.',
    html: '<p>Order <code>{{ orderId }}</code>: {{ quantity }} ticket(s) for <b>{{ eventName }}</b>, total {{ total }}.</p>',
  },
  {
    name: 'order-confirmed',
    channel: 'push',
    title: 'Tickets confirmed',
    text: '{{ quantity }} ticket(s) for {{ eventName }}',
  },
  {
    name: 'refund-issued',
    channel: 'email',
    subject: 'Refund of {{ total }} issued',
    text: 'Your order {{ orderId }} was refunded ({{ total }}). Reason: {{ reason }}',
  },
  {
    name: 'refund-issued',
    channel: 'sms',
    text: 'Opskit Tickets: refund of {{ total }} issued for order {{ orderId }}.',
  },
]

const money = (cents: number) => `€${(cents / 100).toFixed(2)}`

/**
 * Wires @opskit/notify: SMTP e-mail, recording SMS/push providers, templates, and the outbox
 * (sends are enqueued in the database and dispatched in the background, so a slow mail server
 * never slows a purchase down, and nothing enqueued is lost on a crash).
 */
export async function wireNotify(options: NotifyWiringOptions): Promise<NotifyWiring> {
  const db = options.db as unknown as TicketingDb
  const providers = createRecordingProviders()
  const counts: Record<string, Record<string, number>> = {}
  const notifier = await createNotifier({
    db: options.db,
    providers: {
      email: [
        createSmtpProvider({
          host: options.smtp.host,
          port: options.smtp.port,
          from: options.smtp.from,
          secure: false,
          allowInsecureTls: true,
        }),
      ],
      sms: [providers.sms],
      push: [providers.push],
    },
    templates: TEMPLATES,
    defaults: { retry: { retries: 3, baseMs: 100, maxMs: 2000 } },
    logger: options.logger,
    metrics: {
      recordDelivery(metric) {
        const channel = counts[metric.channel] ?? {}
        channel[metric.status] = (channel[metric.status] ?? 0) + 1
        counts[metric.channel] = channel
      },
    },
  })
  const dispatcher: OutboxDispatcher = notifier.startOutboxDispatcher({
    pollIntervalMs: 200,
    onError: (error) => options.logger.error({ err: error }, 'notification dispatch failed'),
  })

  const { hooks } = options
  hooks.on('user.registered', async (e) => {
    await notifier.enqueue({
      userId: e.userId,
      to: { email: e.email },
      channels: ['email'],
      template: 'welcome',
      data: { name: e.name, email: e.email },
      category: 'account',
      idempotencyKey: `welcome:${e.userId}`,
    })
  })
  hooks.on('device.registered', async (e) => {
    await notifier.devices.register({ userId: e.userId, token: e.token, platform: e.platform })
  })
  hooks.on('order.created', async (e) => {
    if (!e.actor.userId || !e.actor.email) return
    const devices = await notifier.devices.list(e.actor.userId)
    await notifier.enqueue({
      userId: e.actor.userId,
      to: { email: e.actor.email },
      channels: devices.length > 0 ? ['email', 'push'] : ['email'],
      template: 'order-confirmed',
      data: { orderId: e.orderId, eventName: e.eventName, quantity: e.quantity, total: money(e.totalCents) },
      category: 'orders',
      idempotencyKey: `order-confirmed:${e.orderId}`,
    })
  })
  hooks.on('order.refunded', async (e) => {
    const owner = await db
      .selectFrom('tix_users')
      .select(['email', 'phone'])
      .where('id', '=', e.ownerId)
      .executeTakeFirstOrThrow()
    await notifier.enqueue({
      userId: e.ownerId,
      to: { email: owner.email, ...(owner.phone ? { phone: owner.phone } : {}) },
      channels: owner.phone ? ['email', 'sms'] : ['email'],
      template: 'refund-issued',
      data: { orderId: e.orderId, total: money(e.amountCents), reason: e.reason },
      category: 'orders',
      idempotencyKey: `refund-issued:${e.refundId}`,
    })
  })

  const alertChannels: AlertChannel[] = []
  if (options.operators) {
    alertChannels.push(
      createNotifierChannel({
        notifier,
        channel: 'email',
        to: { email: options.operators.email },
        sendResolved: true,
      }),
    )
    if (options.operators.phone) {
      alertChannels.push(
        createNotifierChannel({
          notifier,
          channel: 'sms',
          to: { phone: options.operators.phone },
          sendResolved: true,
        }),
      )
    }
  }

  return {
    notifier,
    providers,
    counts,
    alertChannels,
    async close() {
      await dispatcher.stop()
      await notifier.close()
    },
  }
}
