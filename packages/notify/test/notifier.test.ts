import { isOpskitError } from '@opskit/core'
import { createFakeClock } from '@opskit/core/testing'
import { describe, expect, it } from 'vitest'
import { createNotifier, type NotifierOptions, type NotifyStore } from '../src/index.js'
import {
  createMemoryNotifyStore,
  createMockEmailProvider,
  createMockSmsProvider,
  expectSent,
  mockProviders,
} from '../src/testing/index.js'

const welcome = [
  {
    name: 'welcome',
    channel: 'email' as const,
    subject: 'Welcome {{name}}',
    html: '<p>Hello {{ name }} &mdash; {{{ trusted }}}</p>',
  },
  {
    name: 'welcome',
    channel: 'email' as const,
    locale: 'fr',
    subject: 'Bienvenue {{name}}',
    html: '<p>Bonjour {{name}}</p>',
    text: 'Bonjour {{name}}',
  },
  { name: 'welcome', channel: 'sms' as const, text: 'Hi {{name}}, code {{code}}' },
  { name: 'welcome', channel: 'push' as const, title: 'Hi {{name}}', text: 'Welcome aboard' },
  { name: 'welcome', channel: 'in_app' as const, title: 'Welcome', text: 'Hello {{name}}' },
]

async function setup(overrides: Partial<NotifierOptions> = {}) {
  const clock = createFakeClock(new Date('2026-03-02T12:00:00Z'))
  const mocks = mockProviders()
  const notifier = await createNotifier({
    store: createMemoryNotifyStore(),
    providers: mocks.providers,
    templates: welcome,
    clock,
    ...overrides,
  })
  return { clock, mocks, notifier }
}

async function caught(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection')
    },
    (error: unknown) => error,
  )
}

describe('createNotifier: send', () => {
  it('renders templates with HTML escaping, a derived text part and locale fallback', async () => {
    const { notifier, mocks } = await setup()
    const result = await notifier.send({
      to: { email: 'ada@example.com' },
      channels: ['email'],
      template: 'welcome',
      data: { name: '<Ada & Co>', trusted: '<b>ok</b>' },
    })
    expect(result.deliveries).toEqual([
      expect.objectContaining({
        channel: 'email',
        provider: 'mock-email',
        status: 'sent',
        attempts: 1,
        providerMessageId: expect.any(String),
      }),
    ])
    const [mail] = expectSent(mocks, {
      channel: 'email',
      to: 'ada@example.com',
      subject: 'Welcome <Ada & Co>',
      count: 1,
    }) as Array<{ html: string; text: string }>
    expect(mail?.html).toBe('<p>Hello &lt;Ada &amp; Co&gt; &mdash; <b>ok</b></p>')
    expect(mail?.text).toBe('Hello <Ada & Co> &mdash; ok')
    await notifier.send({
      to: { email: 'b@example.com' },
      channels: ['email'],
      template: 'welcome',
      locale: 'fr-CA',
      data: { name: 'Bea' },
    })
    expectSent(mocks, {
      channel: 'email',
      to: 'b@example.com',
      subject: 'Bienvenue Bea',
      text: 'Bonjour Bea',
    })
  })

  it('fails clearly on a missing variable and records nothing', async () => {
    const { notifier, mocks } = await setup()
    const error = await caught(
      notifier.send({
        to: { phone: '+14155550100' },
        channels: ['sms'],
        template: 'welcome',
        data: { name: 'Ada' },
      }),
    )
    expect(isOpskitError(error, 'NOTIFY_TEMPLATE_MISSING_VARIABLE')).toBe(true)
    expect((error as Error).message).toContain('needs "code"')
    expect(mocks.sms.calls).toBe(0)
    expect(await notifier.deliveries.list()).toEqual([])
    await expect(
      notifier.send({ to: { email: 'a@example.com' }, channels: ['email'], template: 'nope' }),
    ).rejects.toMatchObject({ code: 'NOTIFY_TEMPLATE_NOT_FOUND' })
    expect(() => notifier.templates.register({ name: 'bad', channel: 'sms', text: 'Hi {{ name' })).toThrow(
      /template "bad" \(text, en\) at line 1, column 4: output "\{\{ name" not closed/,
    )
  })

  it.each([
    [
      'to.email',
      { to: { email: 'not-an-email' }, channels: ['email'], content: { subject: 's', text: 't' } },
    ],
    ['to.phone', { to: { phone: '0612345678' }, channels: ['sms'], content: { text: 't' } }],
    [
      'to.deviceTokens[0]',
      { to: { deviceTokens: ['bad token!'] }, channels: ['push'], content: { text: 't' } },
    ],
    ['to.url', { to: { url: 'ftp://x.example.com' }, channels: ['webhook'], content: { text: 't' } }],
    ['to.phone', { channels: ['sms'], content: { text: 't' } }],
    ['template', { to: { email: 'a@example.com' }, channels: ['email'] }],
    ['channels[0]', { to: { email: 'a@example.com' }, channels: ['fax'], content: { text: 't' } }],
    [
      'data',
      {
        to: { email: 'a@example.com' },
        channels: ['email'],
        content: { subject: 's', text: 't' },
        data: { big: 'x'.repeat(70_000) },
      },
    ],
    [
      'data',
      {
        to: { email: 'a@example.com' },
        channels: ['email'],
        content: { subject: 's', text: 't' },
        data: JSON.parse('{"__proto__":{"x":1}}'),
      },
    ],
    [
      'content.text',
      { to: { phone: '+14155550100' }, channels: ['sms'], content: { text: 'x'.repeat(1601) } },
    ],
    [
      'attachments',
      {
        to: { email: 'a@example.com' },
        channels: ['email'],
        content: { subject: 's', text: 't' },
        attachments: [{ filename: 'a', content: new Uint8Array(11 * 1024 * 1024) }],
      },
    ],
  ])('rejects bad input naming %s, sending nothing', async (path, input) => {
    const { notifier, mocks } = await setup()
    const error = await caught(notifier.send(input as never))
    expect(isOpskitError(error, 'NOTIFY_INVALID_MESSAGE')).toBe(true)
    expect((error as Error).message).toContain(path)
    expect(mocks.email.calls + mocks.sms.calls + mocks.push.calls + mocks.webhook.calls).toBe(0)
    expect(await notifier.deliveries.list()).toEqual([])
  })

  it('returns the first result for a repeated idempotency key and sends nothing', async () => {
    const { notifier, mocks } = await setup()
    const input = {
      idempotencyKey: 'order-42',
      to: { phone: '+14155550100' },
      channels: ['sms' as const],
      content: { text: 'Paid' },
    }
    const first = await notifier.send(input)
    const second = await notifier.send(input)
    expect(first.duplicate).toBe(false)
    expect(second).toEqual({ ...first, duplicate: true })
    expect(mocks.sms.calls).toBe(1)
    expect((await notifier.deliveries.getByIdempotencyKey('order-42'))?.deliveries).toEqual(first.deliveries)
  })

  it('claims a keyed send durably before the provider call; a keyless one once committed', async () => {
    const events: string[] = []
    const memory = createMemoryNotifyStore()
    const store: NotifyStore = {
      ...memory,
      insertNotification: async (record, options) => {
        events.push(`claim ${record.state} wait=${options?.wait ?? 'durable'}`)
        return memory.insertNotification(record, options)
      },
      completeNotification: async (tenantId, id, deliveries, now) => {
        events.push('log')
        return memory.completeNotification(tenantId, id, deliveries, now)
      },
    }
    const sms = createMockSmsProvider()
    const send = sms.send.bind(sms)
    sms.send = async (message, options) => {
      events.push('provider')
      return send(message, options)
    }
    const { notifier } = await setup({ store, providers: { sms: [sms] } })
    const message = { to: { phone: '+14155550100' }, channels: ['sms' as const], content: { text: 'Hi' } }
    await notifier.send({ ...message, idempotencyKey: 'k-1' })
    await notifier.send(message)
    expect(events).toEqual([
      'claim sending wait=durable',
      'provider',
      'log',
      'claim sending wait=committed',
      'provider',
      'log',
    ])
  })

  it('retries transient failures with backoff and honours Retry-After', async () => {
    const { notifier, mocks, clock } = await setup({ defaults: { retry: { retries: 3, baseMs: 100 } } })
    mocks.sms.failNext('transient', { times: 2 })
    const pending = notifier.send({
      to: { phone: '+14155550100' },
      channels: ['sms'],
      content: { text: 'x' },
    })
    await clock.advance(1_000)
    expect((await pending).deliveries[0]).toMatchObject({ status: 'sent', attempts: 3 })

    mocks.sms.failNext('transient', { code: 429, retryAfterMs: 5_000 })
    let settled = false
    const waiting = notifier
      .send({ to: { phone: '+14155550100' }, channels: ['sms'], content: { text: 'y' } })
      .then((r) => {
        settled = true
        return r
      })
    await clock.advance(4_900)
    expect(settled).toBe(false)
    await clock.advance(200)
    expect((await waiting).deliveries[0]).toMatchObject({ status: 'sent', attempts: 2 })
  })

  it('does not retry permanent failures, fails over to the next provider, but not for an invalid recipient', async () => {
    const primary = createMockSmsProvider('primary')
    const backup = createMockSmsProvider('backup')
    const { notifier } = await setup({ providers: { sms: [primary, backup] } })
    primary.failNext('permanent', { code: 30007 })
    const result = await notifier.send({
      to: { phone: '+14155550100' },
      channels: ['sms'],
      content: { text: 'x' },
    })
    expect(result.deliveries[0]).toMatchObject({ provider: 'backup', status: 'sent', attempts: 2 })
    expect(primary.calls).toBe(1)

    primary.failNext('permanent', { code: 21211, recipientInvalid: true })
    const invalid = await notifier.send({
      to: { phone: '+14155550100' },
      channels: ['sms'],
      content: { text: 'x' },
    })
    expect(invalid.deliveries[0]).toMatchObject({
      provider: 'primary',
      status: 'failed',
      attempts: 1,
      error: { code: '21211' },
    })
    expect(backup.calls).toBe(1)
  })

  it('fails over after transient retries are spent and reports failure when every provider fails', async () => {
    const a = createMockEmailProvider('a')
    const b = createMockEmailProvider('b')
    const { notifier, clock } = await setup({
      providers: { email: [a, b] },
      defaults: { retry: { retries: 1, baseMs: 10 } },
    })
    a.failNext('transient', { times: 2 })
    b.failNext('transient', { times: 2 })
    const pending = notifier.send({
      to: { email: 'x@example.com' },
      channels: ['email'],
      content: { subject: 's', text: 't' },
    })
    await clock.advance(1_000)
    const result = await pending
    expect(result.deliveries[0]).toMatchObject({
      provider: 'b',
      status: 'failed',
      attempts: 4,
      error: { code: 'MOCK_TRANSIENT' },
    })
    expect((await notifier.deliveries.get(result.id))?.deliveries[0]?.status).toBe('failed')
  })

  it('rate-limits each provider with a token bucket', async () => {
    const { notifier, mocks, clock } = await setup({
      defaults: { rateLimits: { 'mock-sms': { perSecond: 2, burst: 2 } } },
    })
    const sends = [1, 2, 3].map((n) =>
      notifier.send({ to: { phone: '+14155550100' }, channels: ['sms'], content: { text: `m${n}` } }),
    )
    await clock.advance(10)
    expect(mocks.sms.calls).toBe(2)
    await clock.advance(500)
    await Promise.all(sends)
    expect(mocks.sms.calls).toBe(3)
  })

  it('prices SMS by segments and prefix, email per recipient', async () => {
    const { notifier } = await setup({
      defaults: {
        pricing: {
          currency: 'EUR',
          smsPerSegment: { '+1': 0.0079, '+33': 0.07, default: 0.05 },
          emailPerMessage: 0.0001,
        },
      },
    })
    const sms = await notifier.send({
      to: { phone: '+33612345678' },
      channels: ['sms'],
      content: { text: `${'é'.repeat(100)}ç` },
    })
    expect(sms.deliveries[0]).toMatchObject({ segments: 2, cost: { amount: 0.14, currency: 'EUR' } })
    const us = await notifier.send({
      to: { phone: '+14155550100' },
      channels: ['sms'],
      content: { text: 'hi' },
    })
    expect(us.deliveries[0]?.cost).toEqual({ amount: 0.0079, currency: 'EUR' })
    const mail = await notifier.send({
      to: { email: ['a@example.com', 'b@example.com'] },
      channels: ['email'],
      content: { subject: 's', text: 't' },
    })
    expect(mail.deliveries[0]?.cost).toEqual({ amount: 0.0002, currency: 'EUR' })
  })

  it('sendBatch validates every input before sending any', async () => {
    const { notifier, mocks } = await setup()
    const good = { to: { phone: '+14155550100' }, channels: ['sms' as const], content: { text: 'ok' } }
    await expect(notifier.sendBatch([good, { ...good, to: { phone: 'nope' } }])).rejects.toMatchObject({
      code: 'NOTIFY_INVALID_MESSAGE',
      details: { index: 1 },
    })
    expect(mocks.sms.calls).toBe(0)
    const results = await notifier.sendBatch(
      Array.from({ length: 20 }, (_, i) => ({ ...good, idempotencyKey: `b${i % 10}` })),
    )
    expect(results.filter((r) => r.duplicate)).toHaveLength(10)
    expect(mocks.sms.calls).toBe(10)
  })

  it('a notifier wants a store or a database; verifyProviders checks each provider', async () => {
    await expect(createNotifier({ providers: {} })).rejects.toMatchObject({
      code: 'NOTIFY_INVALID_OPTIONS',
    })
    const broken = createMockEmailProvider('broken')
    broken.verify = async () => {
      throw new Error('boom')
    }
    const { notifier } = await setup({ providers: { ...mockProviders().providers, email: [broken] } })
    const health = await notifier.verifyProviders()
    expect(health.find((h) => h.provider === 'broken')).toMatchObject({ ok: false, checked: true })
    expect(health.find((h) => h.provider === 'mock-sms')).toMatchObject({ ok: true, checked: true })
    await notifier.close()
    await expect(
      notifier.send({ to: { phone: '+14155550100' }, channels: ['sms'], content: { text: 'x' } }),
    ).rejects.toMatchObject({ code: 'NOTIFY_CLOSED' })
  })
})

describe('createNotifier: preferences, devices, inbox', () => {
  it('skips opted-out channels and categories unless critical', async () => {
    const { notifier, mocks } = await setup({ defaults: { criticalCategories: ['security'] } })
    await notifier.preferences.set('u1', {
      channels: { sms: false },
      categories: { marketing: { email: false } },
    })
    const send = (category: string) =>
      notifier.send({
        userId: 'u1',
        to: { email: 'u1@example.com', phone: '+14155550100' },
        channels: ['email', 'sms'],
        category,
        content: { subject: 's', text: 't' },
      })
    const marketing = await send('marketing')
    expect(marketing.deliveries.map((d) => d.status)).toEqual(['skipped', 'skipped'])
    expect(marketing.deliveries[0]?.error?.code).toBe('OPTED_OUT')
    const billing = await send('billing')
    expect(billing.deliveries.map((d) => d.status)).toEqual(['sent', 'skipped'])
    const security = await send('security')
    expect(security.deliveries.map((d) => d.status)).toEqual(['sent', 'sent'])
    expect(mocks.sms.calls).toBe(1)
    await expect(notifier.preferences.set('u1', { timeZone: 'Mars/Olympus' })).rejects.toMatchObject({
      code: 'NOTIFY_INVALID_MESSAGE',
    })
    await expect(
      notifier.preferences.update('u1', { quietHours: { start: '25:00', end: '07:00' } }),
    ).rejects.toThrow(/HH:MM/)
  })

  it('delays non-critical sends in quiet hours (user time zone) and sends them when they end', async () => {
    // 12:00 UTC = 21:00 in Tokyo; quiet 20:00-08:00 → ends at 23:00 UTC
    const { notifier, mocks, clock } = await setup()
    await notifier.preferences.set('u2', {
      timeZone: 'Asia/Tokyo',
      quietHours: { start: '20:00', end: '08:00' },
    })
    const result = await notifier.send({
      userId: 'u2',
      to: { phone: '+14155550100' },
      channels: ['sms'],
      content: { text: 'later' },
    })
    expect(result.deliveries).toEqual([{ channel: 'sms', provider: '', status: 'queued', attempts: 0 }])
    const urgent = await notifier.send({
      userId: 'u2',
      to: { phone: '+14155550100' },
      channels: ['sms'],
      priority: 'critical',
      content: { text: 'now' },
    })
    expect(urgent.deliveries[0]?.status).toBe('sent')
    expect(mocks.sms.sent.map((m) => m.body)).toEqual(['now'])
    const dispatcher = notifier.startOutboxDispatcher({ autoStart: false })
    expect(await dispatcher.runOnce()).toBe(0)
    await clock.setTime(new Date('2026-03-02T23:00:01Z'))
    expect(await dispatcher.runOnce()).toBe(1)
    expect(mocks.sms.sent.map((m) => m.body)).toEqual(['now', 'later'])
    const record = await notifier.deliveries.get(result.id)
    expect(record).toMatchObject({ state: 'done', deliveries: [expect.objectContaining({ status: 'sent' })] })
    expect(
      await notifier.send({
        userId: 'u2',
        idempotencyKey: result.idempotencyKey,
        to: { phone: '+14155550100' },
        channels: ['sms'],
        content: { text: 'later' },
      }),
    ).toMatchObject({ duplicate: true, id: result.id })
    await dispatcher.stop()
  })

  it('sends push to registered devices and prunes unregistered tokens', async () => {
    const { notifier, mocks, clock } = await setup()
    await notifier.devices.register({ userId: 'u3', token: 'goodtoken-aaaa', platform: 'ios' })
    await notifier.devices.register({ userId: 'u3', token: 'unregistered-bbbb', platform: 'android' })
    const result = await notifier.send({
      userId: 'u3',
      channels: ['push'],
      template: 'welcome',
      data: { name: 'Ada' },
      push: { badge: 3 },
    })
    expect(result.deliveries[0]).toMatchObject({
      status: 'sent',
      failedTokens: [{ token: 'unregistered-bbbb', code: 'UNREGISTERED' }],
    })
    expectSent(mocks, { channel: 'push', token: 'goodtoken-aaaa', title: 'Hi Ada' })
    expect((await notifier.devices.list('u3')).map((d) => d.token)).toEqual(['goodtoken-aaaa'])
    const none = await notifier.send({ userId: 'nobody', channels: ['push'], content: { text: 'x' } })
    expect(none.deliveries[0]).toMatchObject({ status: 'skipped', error: { code: 'NO_DEVICES' } })
    await clock.advance(10_000)
    await notifier.devices.register({ userId: 'u3', token: 'fresh-token-cccc', platform: 'web' })
    const retention = await notifier.applyRetention({ devices: { olderThan: 5_000 } })
    expect(retention.removed).toEqual({ deliveries: 0, inbox: 0, outbox: 0, devices: 1 })
    expect((await notifier.devices.list('u3')).map((d) => d.token)).toEqual(['fresh-token-cccc'])
  })

  it('writes in-app messages to the inbox', async () => {
    const { notifier } = await setup()
    await notifier.send({ userId: 'u4', channels: ['in_app'], template: 'welcome', data: { name: 'Ada' } })
    await notifier.send({ userId: 'u4', channels: ['in_app'], content: { title: 'Second', text: 'Two' } })
    expect(await notifier.inbox.unreadCount('u4')).toBe(2)
    const items = await notifier.inbox.list('u4')
    expect(items.map((i) => i.body)).toEqual(['Two', 'Hello Ada'])
    expect(await notifier.inbox.markRead('u4', items[1]?.id as string)).toBe(1)
    expect(await notifier.inbox.unreadCount('u4')).toBe(1)
    expect(await notifier.inbox.markAllRead('u4')).toBe(1)
    expect(await notifier.inbox.list('u4', { unreadOnly: true })).toEqual([])
  })
})

describe('createNotifier: logs and metrics', () => {
  it('logs ids, channels, statuses and codes but never addresses, bodies or secrets; reports metrics', async () => {
    const { createMemoryLogger } = await import('@opskit/core/testing')
    const logger = createMemoryLogger()
    const metrics: Array<{ channel: string; status: string; attempts: number }> = []
    const sms = createMockSmsProvider('primary-sms')
    const backup = createMockSmsProvider('backup-sms')
    const { notifier } = await setup({
      logger,
      providers: { ...mockProviders().providers, sms: [sms, backup] },
      metrics: {
        recordDelivery: (m) => metrics.push({ channel: m.channel, status: m.status, attempts: m.attempts }),
      },
    })
    sms.failNext('permanent', { code: 30007 })
    await notifier.send({
      to: { phone: '+14155550199', email: 'secret.person@example.com' },
      channels: ['sms', 'email'],
      content: { subject: 'Password reset', text: 'token=tok_live_abcdef' },
    })
    const text = JSON.stringify(logger.records)
    expect(logger.records.length).toBeGreaterThan(0)
    for (const secret of ['+14155550199', 'secret.person@example.com', 'tok_live_abcdef', 'Password reset']) {
      expect(text).not.toContain(secret)
    }
    expect(text).toContain('30007')
    expect(metrics).toEqual(
      expect.arrayContaining([
        { channel: 'sms', status: 'sent', attempts: 2 },
        { channel: 'email', status: 'sent', attempts: 1 },
      ]),
    )
  })
})

describe('createNotifier: scheduled sends', () => {
  it('holds a sendAt notification in the outbox until it is due, then sends it once', async () => {
    const { notifier, mocks, clock } = await setup()
    const at = new Date('2026-03-02T15:00:00Z')
    const result = await notifier.send({
      to: { phone: '+14155550100' },
      channels: ['sms'],
      content: { text: 'reminder' },
      sendAt: at,
      idempotencyKey: 'reminder-1',
    })
    expect(result.deliveries[0]?.status).toBe('queued')
    const dispatcher = notifier.startOutboxDispatcher({ autoStart: false })
    await clock.setTime(new Date('2026-03-02T14:59:59Z'))
    expect(await dispatcher.runOnce()).toBe(0)
    await clock.setTime(at)
    expect(await dispatcher.runOnce()).toBe(1)
    expect(await dispatcher.runOnce()).toBe(0)
    expect(mocks.sms.sent.map((m) => m.body)).toEqual(['reminder'])
    expect(await notifier.deliveries.getByIdempotencyKey('reminder-1')).toMatchObject({
      state: 'done',
      deliveries: [{ status: 'sent' }],
    })
    await dispatcher.stop()
  })
})

describe('createNotifier: push batching', () => {
  it('splits tokens into calls of at most capabilities.maxBatchSize', async () => {
    const { createMockPushProvider } = await import('../src/testing/index.js')
    const push = Object.assign(createMockPushProvider('small-batches'), { capabilities: { maxBatchSize: 2 } })
    const { notifier } = await setup({ providers: { push: [push] } })
    const tokens = ['tok-aaaa-1', 'tok-aaaa-2', 'tok-aaaa-3', 'tok-aaaa-4', 'tok-aaaa-5']
    const result = await notifier.send({
      to: { deviceTokens: tokens },
      channels: ['push'],
      content: { text: 'x' },
    })
    expect(result.deliveries[0]).toMatchObject({ status: 'sent', attempts: 1 })
    expect(push.sent.map((m) => m.tokens)).toEqual([tokens.slice(0, 2), tokens.slice(2, 4), tokens.slice(4)])
  })
})

describe('createNotifier: push batching and retries', () => {
  it('retries only the chunk that failed, never resending to tokens already accepted', async () => {
    const { createMockPushProvider } = await import('../src/testing/index.js')
    const { providerError } = await import('../src/index.js')
    const push = Object.assign(createMockPushProvider('chunky'), { capabilities: { maxBatchSize: 2 } })
    const send = push.send.bind(push)
    let calls = 0
    push.send = async (message, options) => {
      calls++
      if (calls === 2)
        throw providerError({
          provider: 'chunky',
          retryable: true,
          message: 'socket hang up',
          providerCode: 'NETWORK',
        })
      return send(message, options)
    }
    const { notifier, clock } = await setup({
      providers: { push: [push] },
      defaults: { retry: { retries: 2, baseMs: 10 } },
    })
    const tokens = ['tok-bbbb-1', 'tok-bbbb-2', 'tok-bbbb-3', 'tok-bbbb-4', 'tok-bbbb-5']
    const pending = notifier.send({
      to: { deviceTokens: tokens },
      channels: ['push'],
      content: { text: 'x' },
    })
    await clock.advance(1_000)
    const result = await pending
    expect(result.deliveries[0]).toMatchObject({ status: 'sent', attempts: 2 })
    expect(result.deliveries[0]?.failedTokens).toBeUndefined()
    expect(push.sent.flatMap((m) => m.tokens).sort()).toEqual([...tokens].sort())
  })
})
