import type { StoreConformanceCase } from '@opskit/core/testing'
import { expect } from 'vitest'
import type { NotifyStore } from '../../store/notify-store.js'
import { id } from './fixtures.js'

/** Preferences, devices and the inbox of a user. */
export const userCases: StoreConformanceCase<NotifyStore>[] = [
  {
    name: 'keeps preferences',
    run: async ({ store }) => {
      expect(await store.getPreferences('', 'nobody')).toBeUndefined()
      const prefs = {
        timeZone: 'Europe/Paris',
        channels: { sms: false },
        categories: { marketing: { email: false } },
        quietHours: { start: '22:00', end: '07:00' },
      }
      await store.setPreferences('', 'p-user', prefs)
      expect(await store.getPreferences('', 'p-user')).toEqual(prefs)
      await store.setPreferences('', 'p-user', { locale: 'fr' })
      expect(await store.getPreferences('', 'p-user')).toEqual({ locale: 'fr' })
    },
  },
  {
    name: 'registers, lists, touches, moves, removes and prunes devices',
    run: async ({ store }) => {
      const userId = id('dev-user')
      await store.upsertDevice({
        tenantId: '',
        userId,
        token: `${userId}-tok-a`,
        platform: 'ios',
        createdAt: 100,
        lastSeenAt: 100,
      })
      await store.upsertDevice({
        tenantId: '',
        userId,
        token: `${userId}-tok-b`,
        platform: 'android',
        createdAt: 200,
        lastSeenAt: 200,
      })
      await store.upsertDevice({
        tenantId: '',
        userId,
        token: `${userId}-tok-a`,
        platform: 'ios',
        createdAt: 300,
        lastSeenAt: 300,
      })
      const devices = await store.listDevices('', userId)
      expect(devices.map((d) => [d.token, d.createdAt, d.lastSeenAt])).toEqual([
        [`${userId}-tok-a`, 100, 300],
        [`${userId}-tok-b`, 200, 200],
      ])
      await store.touchDevice('', `${userId}-tok-b`, 400)
      expect((await store.listDevices('', userId))[1]?.lastSeenAt).toBe(400)
      await store.upsertDevice({
        tenantId: '',
        userId: 'other',
        token: `${userId}-tok-b`,
        platform: 'android',
        createdAt: 500,
        lastSeenAt: 500,
      })
      expect((await store.listDevices('', userId)).map((d) => d.token)).toEqual([`${userId}-tok-a`])
      expect(await store.removeDevices('', [`${userId}-tok-a`, 'never'])).toBe(1)
      expect(await store.listDevices('', userId)).toEqual([])
      await store.upsertDevice({
        tenantId: '',
        userId,
        token: `${userId}-old`,
        platform: 'web',
        createdAt: 1,
        lastSeenAt: 1,
      })
      expect(await store.deleteExpired('devices', { cutoff: 2, limit: 1_000 })).toBeGreaterThanOrEqual(1)
      expect(await store.listDevices('', userId)).toEqual([])
    },
  },
  {
    name: 'keeps an inbox with unread counts and read marks',
    run: async ({ store }) => {
      const userId = id('inbox-user')
      for (const [n, createdAt] of [
        [1, 10],
        [2, 20],
        [3, 30],
      ] as const) {
        await store.addInboxItem({
          tenantId: '',
          id: `${userId}-${n}`,
          userId,
          title: `T${n}`,
          body: `B${n}`,
          data: { n },
          createdAt,
        })
      }
      await store.addInboxItem({
        tenantId: '',
        id: `${userId}-x`,
        userId: 'someone-else',
        body: 'x',
        createdAt: 5,
      })
      expect(await store.unreadCount('', userId)).toBe(3)
      expect((await store.listInbox('', userId, { limit: 10 })).map((i) => i.body)).toEqual([
        'B3',
        'B2',
        'B1',
      ])
      expect((await store.listInbox('', userId, { limit: 10 }))[0]).toEqual({
        id: `${userId}-3`,
        tenantId: '',
        userId,
        title: 'T3',
        body: 'B3',
        data: { n: 3 },
        createdAt: 30,
      })
      expect(await store.markRead('', userId, [`${userId}-2`, `${userId}-x`], 40)).toBe(1)
      expect(await store.markRead('', userId, [`${userId}-2`], 41)).toBe(0)
      expect(await store.unreadCount('', userId)).toBe(2)
      expect((await store.listInbox('', userId, { unreadOnly: true, limit: 10 })).map((i) => i.body)).toEqual(
        ['B3', 'B1'],
      )
      expect(await store.markAllRead('', userId, 50)).toBe(2)
      expect(await store.unreadCount('', userId)).toBe(0)
      expect((await store.listInbox('', userId, { limit: 1 }))[0]?.readAt).toBe(50)
    },
  },
]
