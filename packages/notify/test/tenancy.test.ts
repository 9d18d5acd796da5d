import { isOpskitError } from '@opskit/core'
import { createFakeClock } from '@opskit/core/testing'
import { forEachDialect } from '@opskit/test-support'
import { describe, expect, it } from 'vitest'
import {
  createKyselyNotifyStore,
  createNotifier,
  type NotifierOptions,
  type NotifyStore,
} from '../src/index.js'
import { createMemoryNotifyStore, mockProviders } from '../src/testing/index.js'

const templates = [
  { name: 'code', channel: 'sms' as const, text: 'Your code is {{ code }}' },
  { name: 'code', channel: 'push' as const, title: 'Code', text: 'Code {{ code }}' },
  { name: 'hello', channel: 'in_app' as const, title: 'Hello', text: 'Hello {{ name }}' },
]

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => undefined,
    (error: unknown) => error,
  )
}

let unique = 0
const fresh = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++unique}`

async function tenanted(store: NotifyStore, overrides: Partial<NotifierOptions> = {}) {
  const mocks = mockProviders()
  const clock = createFakeClock(new Date('2026-03-02T12:00:00Z'))
  const notifier = await createNotifier({
    store,
    providers: mocks.providers,
    templates,
    clock,
    tenantMode: 'required',
    ...overrides,
  })
  return { notifier, mocks, clock }
}

/** The notifier's tenant boundary, on a store: each cross-tenant path an attacker could try. */
function tenantAttacks(store: () => Promise<NotifyStore>) {
  it('reusing another tenant’s idempotency key sends anew and never returns the other tenant’s record', async () => {
    const { notifier, mocks } = await tenanted(await store())
    const key = fresh('order-7')
    const first = await notifier.send({
      tenantId: 'acme',
      to: { phone: '+14155550100' },
      channels: ['sms'],
      template: 'code',
      data: { code: '111111' },
      idempotencyKey: key,
    })
    const other = await notifier.send({
      tenantId: 'globex',
      to: { phone: '+14155550199' },
      channels: ['sms'],
      template: 'code',
      data: { code: '222222' },
      idempotencyKey: key,
    })
    expect(other.duplicate).toBe(false)
    expect(other.id).not.toBe(first.id)
    expect(mocks.sms.sent.map((m) => m.body)).toEqual(['Your code is 111111', 'Your code is 222222'])
    expect((await notifier.deliveries.getByIdempotencyKey(key, { tenantId: 'globex' }))?.id).toBe(other.id)
    expect(await notifier.deliveries.get(first.id, { tenantId: 'globex' })).toBeUndefined()
    const again = await notifier.send({
      tenantId: 'acme',
      to: { phone: '+14155550100' },
      channels: ['sms'],
      template: 'code',
      data: { code: '111111' },
      idempotencyKey: key,
    })
    expect(again).toMatchObject({ duplicate: true, id: first.id })
    await notifier.close()
  })

  it('the outbox sends each row in the tenant it was enqueued in', async () => {
    const { notifier, mocks } = await tenanted(await store())
    const key = fresh('receipt')
    const userId = fresh('u')
    await notifier.preferences.set(userId, { channels: { sms: false } }, { tenantId: 'globex' })
    for (const tenantId of ['acme', 'globex']) {
      await notifier.enqueue({
        tenantId,
        userId,
        to: { phone: '+14155550100' },
        channels: ['sms'],
        content: { text: `for ${tenantId}` },
        idempotencyKey: key,
      })
    }
    const dispatcher = notifier.startOutboxDispatcher({ autoStart: false })
    while ((await dispatcher.runOnce()) > 0) {}
    await dispatcher.stop()
    // globex's user opted out of SMS in globex only: acme's row is sent, globex's skipped
    expect(mocks.sms.sent.map((m) => m.body)).toEqual(['for acme'])
    const acme = await notifier.deliveries.getByIdempotencyKey(key, { tenantId: 'acme' })
    const globex = await notifier.deliveries.getByIdempotencyKey(key, { tenantId: 'globex' })
    expect(acme?.deliveries.map((d) => d.status)).toEqual(['sent'])
    expect(globex?.deliveries.map((d) => d.status)).toEqual(['skipped'])
    expect(acme?.tenantId).toBe('acme')
    expect(globex?.tenantId).toBe('globex')
    await notifier.close()
  })

  it('another tenant cannot list or mark a user’s inbox, nor see the delivery log', async () => {
    const { notifier } = await tenanted(await store())
    const userId = fresh('u')
    await notifier.send({
      tenantId: 'acme',
      userId,
      channels: ['in_app'],
      template: 'hello',
      data: { name: 'Ada' },
    })
    const [item] = await notifier.inbox.list(userId, { tenantId: 'acme' })
    expect(item?.body).toBe('Hello Ada')
    expect(await notifier.inbox.list(userId, { tenantId: 'globex' })).toEqual([])
    expect(await notifier.inbox.markRead(userId, item?.id as string, { tenantId: 'globex' })).toBe(0)
    expect(await notifier.inbox.markAllRead(userId, { tenantId: 'globex' })).toBe(0)
    expect(await notifier.inbox.unreadCount(userId, { tenantId: 'acme' })).toBe(1)
    expect(await notifier.deliveries.list({ tenantId: 'globex', userId })).toEqual([])
    expect(await notifier.deliveries.list({ tenantId: 'acme', userId })).toHaveLength(1)
    await notifier.close()
  })

  it('a tenant’s preferences, devices and template overrides apply to its sends only', async () => {
    const { notifier, mocks } = await tenanted(await store())
    const userId = fresh('u')
    await notifier.preferences.set(userId, { channels: { sms: false } }, { tenantId: 'acme' })
    await notifier.templates.save(
      { name: 'code', channel: 'sms', text: 'ACME code {{ code }}' },
      { tenantId: 'acme' },
    )
    await notifier.devices.register({ tenantId: 'acme', userId, token: 'acme-device-token', platform: 'web' })
    const send = (tenantId: string) =>
      notifier.send({
        tenantId,
        userId,
        to: { phone: '+14155550100' },
        channels: ['sms', 'push'],
        template: 'code',
        data: { code: '42' },
      })
    const acme = await send('acme')
    expect(acme.deliveries.map((d) => d.status)).toEqual(['skipped', 'sent'])
    expect(mocks.push.sent.at(-1)?.tokens).toEqual(['acme-device-token'])
    const globex = await send('globex')
    expect(globex.deliveries.map((d) => [d.status, d.error?.code])).toEqual([
      ['sent', undefined],
      ['skipped', 'NO_DEVICES'],
    ])
    expect(mocks.sms.sent.at(-1)?.body).toBe('Your code is 42')
    await notifier.preferences.set(userId, {}, { tenantId: 'acme' })
    await send('acme')
    expect(mocks.sms.sent.at(-1)?.body).toBe('ACME code 42')
    expect(mocks.push.sent.at(-1)?.tokens).toEqual(['acme-device-token'])
    const preview = (await notifier.templates.forTenant('globex')).render('code', { code: 1 })
    expect(preview.sms?.text).toBe('Your code is 1')
    await notifier.close()
  })
}

describe('tenancy: modes', () => {
  it("'required' refuses a call without tenant; 'off' refuses one with a tenant; a malformed id is invalid input", async () => {
    const required = (await tenanted(createMemoryNotifyStore())).notifier
    const send = {
      to: { phone: '+14155550100' },
      channels: ['sms' as const],
      template: 'code',
      data: { code: 1 },
    }
    for (const call of [
      required.send(send),
      required.inbox.list('u1'),
      required.preferences.get('u1'),
      required.deliveries.list(),
      required.devices.list('u1'),
      required.enqueue(send),
      required.sendBatch([send]),
      required.templates.save({ name: 'x', channel: 'sms', text: 'x' }),
    ]) {
      expect(isOpskitError(await errorOf(call), 'NOTIFY_TENANT_REQUIRED')).toBe(true)
    }
    expect(
      isOpskitError(await errorOf(required.inbox.list('u1', { tenantId: 'a b' })), 'NOTIFY_INVALID_MESSAGE'),
    ).toBe(true)
    const off = (await tenanted(createMemoryNotifyStore(), { tenantMode: 'off' })).notifier
    expect(
      isOpskitError(await errorOf(off.send({ ...send, tenantId: 'acme' })), 'NOTIFY_INVALID_MESSAGE'),
    ).toBe(true)
    expect((await off.send(send)).deliveries[0]?.status).toBe('sent')
    expect(
      isOpskitError(
        await errorOf(tenanted(createMemoryNotifyStore(), { tenantMode: 'sometimes' as never })),
        'NOTIFY_INVALID_OPTIONS',
      ),
    ).toBe(true)
  })

  it("'optional': a call without tenant sees only the untenanted rows", async () => {
    const { notifier } = await tenanted(createMemoryNotifyStore(), { tenantMode: 'optional' })
    await notifier.send({
      tenantId: 'acme',
      userId: 'u1',
      channels: ['in_app'],
      template: 'hello',
      data: { name: 'A' },
    })
    await notifier.send({ userId: 'u1', channels: ['in_app'], template: 'hello', data: { name: 'B' } })
    expect((await notifier.inbox.list('u1')).map((i) => i.body)).toEqual(['Hello B'])
    expect((await notifier.inbox.list('u1', { tenantId: 'acme' })).map((i) => i.body)).toEqual(['Hello A'])
  })

  it('rate limits are per tenant: one tenant’s burst does not delay another’s, a provider scope is shared', async () => {
    for (const [scope, globexWaits] of [
      ['tenant', false],
      ['provider', true],
    ] as const) {
      const { notifier, mocks, clock } = await tenanted(createMemoryNotifyStore(), {
        defaults: { rateLimits: { 'mock-sms': { perSecond: 1, burst: 1, scope } } },
      })
      const sms = (tenantId: string) =>
        notifier.send({
          tenantId,
          to: { phone: '+14155550100' },
          channels: ['sms'],
          content: { text: tenantId },
        })
      await sms('acme')
      const acme = sms('acme') // waits for acme's bucket
      const globex = sms('globex')
      for (let i = 0; i < 5; i++) await Promise.resolve()
      await clock.advance(0)
      expect(mocks.sms.sent.map((m) => m.body)).toEqual(globexWaits ? ['acme'] : ['acme', 'globex'])
      await clock.advance(2_000)
      await Promise.all([acme, globex])
      expect(mocks.sms.sent).toHaveLength(3)
    }
  })
})

describe('tenancy: cross-tenant attacks [memory]', () => {
  tenantAttacks(async () => createMemoryNotifyStore())
})

forEachDialect('tenancy: cross-tenant attacks', ({ db }) => {
  tenantAttacks(() => createKyselyNotifyStore({ db: db(), tablePrefix: 'tenancy_' }))
})
