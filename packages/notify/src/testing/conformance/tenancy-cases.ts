import type { StoreConformanceCase } from '@opskit/core/testing'
import { expect } from 'vitest'
import type { NotifyStore } from '../../store/notify-store.js'
import { id, notification, row } from './fixtures.js'

/** Two fresh tenants per case: `a` owns the rows, `b` attacks them. */
const tenants = () => ({ a: id('tenant-a'), b: id('tenant-b') })

/**
 * Cross-tenant attacks: every read, change and delete through another tenant's id, key, user or
 * token must find nothing and change nothing.
 */
export const tenancyCases: StoreConformanceCase<NotifyStore>[] = [
  {
    name: 'tenancy: an idempotency key is per tenant, and a key lookup never returns another tenant’s record',
    run: async ({ store }) => {
      const { a, b } = tenants()
      const key = id('shared-key')
      const mine = notification({ tenantId: a, idempotencyKey: key })
      const theirs = notification({ tenantId: b, idempotencyKey: key })
      expect(await store.insertNotification(mine)).toBe(true)
      expect(await store.insertNotification(theirs)).toBe(true)
      expect(await store.insertNotification(notification({ tenantId: b, idempotencyKey: key }))).toBe(false)
      expect(await store.getNotificationByKey(a, key)).toEqual(mine)
      expect(await store.getNotificationByKey(b, key)).toEqual(theirs)
      expect(await store.getNotificationByKey('', key)).toBeUndefined()
    },
  },
  {
    name: 'tenancy: another tenant’s notification id reads, transitions, completes and lists nothing',
    run: async ({ store }) => {
      const { a, b } = tenants()
      const userId = id('victim')
      const victim = notification({ tenantId: a, userId, state: 'queued' })
      await store.insertNotification(victim)
      expect(await store.getNotification(b, victim.id)).toBeUndefined()
      expect(
        await store.transitionNotification(b, victim.id, {
          from: 'queued',
          expectedUpdatedAt: victim.updatedAt,
          to: 'sending',
          now: 2_000,
        }),
      ).toBe(false)
      const forged = [{ channel: 'sms' as const, provider: 'p', status: 'sent' as const, attempts: 1 }]
      await store.completeNotification(b, victim.id, forged, 3_000)
      expect(await store.getNotification(a, victim.id)).toEqual(victim)
      expect(await store.listNotifications({ tenantId: b, userId, limit: 10 })).toEqual([])
      expect(await store.listNotifications({ tenantId: b, limit: 1_000 })).not.toContainEqual(
        expect.objectContaining({ id: victim.id }),
      )
      expect((await store.listNotifications({ tenantId: a, userId, limit: 10 })).map((r) => r.id)).toEqual([
        victim.id,
      ])
    },
  },
  {
    name: 'tenancy: a receipt recorded in another tenant does not touch the delivery',
    run: async ({ store }) => {
      const { a, b } = tenants()
      const record = notification({ tenantId: a })
      await store.insertNotification(record)
      const messageId = `SM-${record.id}`
      const sent = { channel: 'sms' as const, provider: 'twilio', status: 'sent' as const, attempts: 1 }
      await store.completeNotification(a, record.id, [{ ...sent, providerMessageId: messageId }], 2_000)
      const receipt = { provider: 'twilio', providerMessageId: messageId, status: 'undelivered' }
      expect(await store.recordReceipt(b, receipt, 3_000)).toBe(false)
      expect((await store.getNotification(a, record.id))?.deliveries[0]?.receipt).toBeUndefined()
      expect(await store.recordReceipt(a, receipt, 3_000)).toBe(true)
    },
  },
  {
    name: 'tenancy: another tenant cannot list, count or mark a user’s inbox',
    run: async ({ store }) => {
      const { a, b } = tenants()
      const userId = id('inbox-victim')
      const itemId = id('item')
      await store.addInboxItem({ tenantId: a, id: itemId, userId, body: 'secret', createdAt: 10 })
      expect(await store.listInbox(b, userId, { limit: 10 })).toEqual([])
      expect(await store.listInbox('', userId, { limit: 10 })).toEqual([])
      expect(await store.unreadCount(b, userId)).toBe(0)
      expect(await store.markRead(b, userId, [itemId], 20)).toBe(0)
      expect(await store.markAllRead(b, userId, 20)).toBe(0)
      expect(await store.unreadCount(a, userId)).toBe(1)
      expect((await store.listInbox(a, userId, { limit: 10 }))[0]).toMatchObject({ id: itemId, tenantId: a })
    },
  },
  {
    name: 'tenancy: preferences are per tenant',
    run: async ({ store }) => {
      const { a, b } = tenants()
      const userId = id('prefs-victim')
      await store.setPreferences(a, userId, { locale: 'fr', channels: { sms: false } })
      expect(await store.getPreferences(b, userId)).toBeUndefined()
      await store.setPreferences(b, userId, { locale: 'de' })
      expect(await store.getPreferences(a, userId)).toEqual({ locale: 'fr', channels: { sms: false } })
      expect(await store.getPreferences(b, userId)).toEqual({ locale: 'de' })
    },
  },
  {
    name: 'tenancy: devices are per tenant; another tenant cannot list, touch, move or remove them',
    run: async ({ store }) => {
      const { a, b } = tenants()
      const userId = id('device-victim')
      const token = `${id('tok')}-shared`
      const device = { token, platform: 'ios' as const, createdAt: 100, lastSeenAt: 100 }
      await store.upsertDevice({ ...device, tenantId: a, userId })
      expect(await store.listDevices(b, userId)).toEqual([])
      await store.touchDevice(b, token, 999)
      expect(await store.removeDevices(b, [token])).toBe(0)
      // the same token registered in tenant b is b's own row: a's stays with a's user
      await store.upsertDevice({
        ...device,
        tenantId: b,
        userId: 'attacker',
        createdAt: 200,
        lastSeenAt: 200,
      })
      expect(await store.listDevices(a, userId)).toEqual([{ ...device, tenantId: a, userId }])
      expect((await store.listDevices(b, 'attacker')).map((d) => d.token)).toEqual([token])
      expect(await store.removeDevices(b, [token])).toBe(1)
      expect(await store.listDevices(a, userId)).toHaveLength(1)
    },
  },
  {
    name: 'tenancy: outbox rows keep their tenant; another tenant cannot finish or release them',
    run: async ({ store }) => {
      const { a, b } = tenants()
      const mine = row({ tenantId: a, availableAt: 1 })
      await store.enqueueOutbox([mine])
      const owner = id('owner')
      const claimed = await store.claimOutbox({ owner, limit: 1_000, leaseMs: 60_000, now: 2 })
      expect(claimed.find((r) => r.id === mine.id)?.tenantId).toBe(a)
      expect(await store.finishOutbox(b, mine.id, owner, 'done')).toBe(false)
      await store.releaseOutbox(b, mine.id, owner, 5)
      expect(await store.finishOutbox(a, mine.id, owner, 'done')).toBe(true)
    },
  },
  {
    name: 'tenancy: stored templates are per tenant',
    run: async ({ store }) => {
      if (!store.listTemplates || !store.saveTemplate || !store.deleteTemplate) return
      const { a, b } = tenants()
      const template = { name: id('tpl'), channel: 'sms' as const, locale: 'en', text: 'A says {{ x }}' }
      await store.saveTemplate(a, { kind: 'template', template, updatedAt: 1 })
      const names = async (tenant: string) =>
        (await store.listTemplates?.(tenant))?.map((r) => (r.kind === 'template' ? r.template.name : r.name))
      expect(await names(b)).not.toContain(template.name)
      expect(await names('')).not.toContain(template.name)
      const key = { kind: 'template' as const, name: template.name, channel: 'sms' as const, locale: 'en' }
      expect(await store.deleteTemplate(b, key)).toBe(false)
      expect(await names(a)).toContain(template.name)
    },
  },
  {
    name: 'tenancy: retention of one tenant deletes none of another tenant’s rows',
    run: async ({ store }) => {
      const { a, b } = tenants()
      const userId = id('retained')
      const old = notification({ tenantId: a, userId, state: 'done', createdAt: 1, updatedAt: 1 })
      await store.insertNotification(old)
      await store.addInboxItem({ tenantId: a, id: id('item'), userId, body: 'x', createdAt: 1 })
      await store.upsertDevice({
        tenantId: a,
        userId,
        token: id('tok'),
        platform: 'web',
        createdAt: 1,
        lastSeenAt: 1,
      })
      const done = row({ tenantId: a, state: 'done', createdAt: 1 })
      await store.enqueueOutbox([done])
      for (const kind of ['deliveries', 'inbox', 'outbox', 'devices'] as const)
        expect(await store.deleteExpired(kind, { tenantId: b, cutoff: 1_000, limit: 1_000 })).toBe(0)
      expect(await store.getNotification(a, old.id)).toBeDefined()
      expect(await store.listInbox(a, userId, { limit: 10 })).toHaveLength(1)
      expect(await store.listDevices(a, userId)).toHaveLength(1)
    },
  },
]
