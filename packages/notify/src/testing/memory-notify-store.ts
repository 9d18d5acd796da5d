import { NotifyError } from '../errors/notify-error.js'
import { applyReceipt } from '../store/apply-receipt.js'
import type { NotifyStore } from '../store/notify-store.js'
import type {
  DeviceRecord,
  InboxItem,
  NotificationRecord,
  OutboxRecord,
  UserPreferences,
} from '../store/records.js'
import { memoryTemplateMethods } from '../store/template-rows.js'
import { expireFrom, type MemoryExpirers } from './memory-retention.js'

const copy = <T>(value: T): T => structuredClone(value)
/** A key unique per tenant. */
const scoped = (tenantId: string, key: string) => `${tenantId}\u0000${key}`

/** Notifications by id, by idempotency key and by provider message id. */
function memoryNotificationMethods(expirers: MemoryExpirers) {
  const notifications = new Map<string, NotificationRecord>()
  const byKey = new Map<string, string>()
  const byProviderId = new Map<string, string>()
  expirers.deliveries = (query) =>
    expireFrom(notifications, query, {
      time: (record) => record.createdAt,
      eligible: (record) => record.state === 'done',
      onDelete: (record) => {
        byKey.delete(scoped(record.tenantId, record.idempotencyKey))
        for (const delivery of record.deliveries) {
          if (delivery.providerMessageId)
            byProviderId.delete(`${delivery.provider}\u0000${delivery.providerMessageId}`)
        }
      },
    })
  const ofTenant = (tenantId: string, id: string) => {
    const found = notifications.get(id)
    return found?.tenantId === tenantId ? found : undefined
  }
  return {
    async insertNotification(record) {
      const key = scoped(record.tenantId, record.idempotencyKey)
      if (byKey.has(key)) return false
      byKey.set(key, record.id)
      notifications.set(record.id, copy(record))
      return true
    },
    async getNotificationByKey(tenantId, key) {
      const id = byKey.get(scoped(tenantId, key))
      const found = id === undefined ? undefined : notifications.get(id)
      return found && copy(found)
    },
    async getNotification(tenantId, id) {
      const found = ofTenant(tenantId, id)
      return found && copy(found)
    },
    async transitionNotification(tenantId, id, change) {
      const found = ofTenant(tenantId, id)
      if (!found || found.state !== change.from || found.updatedAt !== change.expectedUpdatedAt) return false
      found.state = change.to
      found.updatedAt = change.now
      return true
    },
    async completeNotification(tenantId, id, deliveries, now) {
      const found = ofTenant(tenantId, id)
      if (!found) return
      found.state = 'done'
      found.deliveries = copy(deliveries)
      found.updatedAt = now
      for (const delivery of deliveries) {
        if (delivery.providerMessageId)
          byProviderId.set(`${delivery.provider}\u0000${delivery.providerMessageId}`, id)
      }
    },
    async recordReceipt(tenantId, receipt, now) {
      const id = byProviderId.get(`${receipt.provider}\u0000${receipt.providerMessageId}`)
      const found = id === undefined ? undefined : ofTenant(tenantId, id)
      const deliveries = found && applyReceipt(found.deliveries, receipt, now)
      if (!found || !deliveries) return false
      found.deliveries = deliveries
      return true
    },
    async listNotifications(query) {
      return [...notifications.values()]
        .filter(
          (record) =>
            record.tenantId === query.tenantId &&
            (query.userId === undefined || record.userId === query.userId),
        )
        .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
        .slice(0, query.limit)
        .map(copy)
    },
  } satisfies Partial<NotifyStore>
}

/** Preferences, devices and inbox items, per tenant. */
function memoryUserMethods(expirers: MemoryExpirers) {
  const preferences = new Map<string, UserPreferences>()
  /** Devices by tenant and token. */
  const devices = new Map<string, DeviceRecord>()
  const inbox = new Map<string, InboxItem>()
  expirers.devices = (query) =>
    query.cutoff === undefined ? 0 : expireFrom(devices, query, { time: (device) => device.lastSeenAt })
  expirers.inbox = (query) =>
    expireFrom(inbox, query, {
      time: (item) => item.createdAt,
      owner: (item) => scoped(item.tenantId, item.userId),
    })
  const usersItems = (tenantId: string, userId: string) =>
    [...inbox.values()].filter((item) => item.tenantId === tenantId && item.userId === userId)
  return {
    async getPreferences(tenantId, userId) {
      const found = preferences.get(scoped(tenantId, userId))
      return found && copy(found)
    },
    async setPreferences(tenantId, userId, value) {
      preferences.set(scoped(tenantId, userId), copy(value))
    },
    async upsertDevice(device) {
      const key = scoped(device.tenantId, device.token)
      const existing = devices.get(key)
      devices.set(key, { ...device, createdAt: existing?.createdAt ?? device.createdAt })
    },
    async listDevices(tenantId, userId) {
      return [...devices.values()]
        .filter((device) => device.tenantId === tenantId && device.userId === userId)
        .sort((a, b) => a.createdAt - b.createdAt)
        .map(copy)
    },
    async removeDevices(tenantId, tokens) {
      let removed = 0
      for (const token of tokens) if (devices.delete(scoped(tenantId, token))) removed++
      return removed
    },
    async touchDevice(tenantId, token, now) {
      const found = devices.get(scoped(tenantId, token))
      if (found) found.lastSeenAt = now
    },
    async addInboxItem(item) {
      inbox.set(item.id, copy(item))
    },
    async listInbox(tenantId, userId, query) {
      return usersItems(tenantId, userId)
        .filter((item) => !query.unreadOnly || item.readAt === undefined)
        .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
        .slice(0, query.limit)
        .map(copy)
    },
    async unreadCount(tenantId, userId) {
      return usersItems(tenantId, userId).filter((item) => item.readAt === undefined).length
    },
    async markRead(tenantId, userId, ids, now) {
      let changed = 0
      for (const id of ids) {
        const item = inbox.get(id)
        if (item && item.tenantId === tenantId && item.userId === userId && item.readAt === undefined) {
          item.readAt = now
          changed++
        }
      }
      return changed
    },
    async markAllRead(tenantId, userId, now) {
      let changed = 0
      for (const item of usersItems(tenantId, userId)) {
        if (item.readAt === undefined) {
          item.readAt = now
          changed++
        }
      }
      return changed
    },
  } satisfies Partial<NotifyStore>
}

/** Outbox rows and disabled webhook endpoints; `{ trx }` is refused (no SQL to join). */
function memoryOutboxMethods(expirers: MemoryExpirers) {
  const outbox = new Map<string, OutboxRecord>()
  expirers.outbox = (query) =>
    expireFrom(outbox, query, { time: (row) => row.createdAt, eligible: (row) => row.state !== 'pending' })
  const disabled = new Map<string, { url: string; reason: string; disabledAt: number }>()
  return {
    async enqueueOutbox(rows, options) {
      if (options?.trx) {
        throw new NotifyError(
          'NOTIFY_STORE_UNSUPPORTED',
          'the memory store cannot join a database transaction; pass `db` to createNotifier',
        )
      }
      for (const row of rows) outbox.set(row.id, copy(row))
    },
    async claimOutbox(claim) {
      const claimed: OutboxRecord[] = []
      const candidates = [...outbox.values()]
        .filter(
          (row) =>
            row.state === 'pending' &&
            row.availableAt <= claim.now &&
            (row.leaseUntil === undefined || row.leaseUntil <= claim.now),
        )
        .sort((a, b) => a.availableAt - b.availableAt || (a.id < b.id ? -1 : 1))
      for (const row of candidates.slice(0, claim.limit)) {
        row.leaseOwner = claim.owner
        row.leaseUntil = claim.now + claim.leaseMs
        row.attempts++
        claimed.push(copy(row))
      }
      return claimed
    },
    async finishOutbox(tenantId, id, owner, state) {
      const row = outbox.get(id)
      if (!row || row.tenantId !== tenantId || row.leaseOwner !== owner || row.state !== 'pending')
        return false
      row.state = state
      delete row.leaseUntil
      return true
    },
    async releaseOutbox(tenantId, id, owner, availableAt) {
      const row = outbox.get(id)
      if (!row || row.tenantId !== tenantId || row.leaseOwner !== owner || row.state !== 'pending') return
      row.availableAt = availableAt
      delete row.leaseUntil
      delete row.leaseOwner
    },
    async outboxCounts() {
      const counts = { pending: 0, done: 0, failed: 0 }
      for (const row of outbox.values()) counts[row.state]++
      return counts
    },
    async disableEndpoint(url, reason, now) {
      if (!disabled.has(url)) disabled.set(url, { url, reason, disabledAt: now })
    },
    isEndpointDisabled: async (url) => disabled.has(url),
    enableEndpoint: async (url) => disabled.delete(url),
    listDisabledEndpoints: async () =>
      [...disabled.values()].sort((a, b) => b.disabledAt - a.disabledAt).map((entry) => ({ ...entry })),
  } satisfies Partial<NotifyStore>
}

/**
 * A {@link NotifyStore} in process memory, for the host's unit tests
 * (`createNotifier({ store: createMemoryNotifyStore(), providers: mockProviders().providers })`).
 * Nothing survives a restart; a service uses `createKyselyNotifyStore`.
 */
export function createMemoryNotifyStore(): NotifyStore {
  const expirers: MemoryExpirers = {}
  return {
    ...memoryTemplateMethods(),
    ...memoryNotificationMethods(expirers),
    ...memoryUserMethods(expirers),
    ...memoryOutboxMethods(expirers),
    deleteExpired: async (kind, query) => expirers[kind]?.(query) ?? 0,
    close: async () => {},
  }
}
