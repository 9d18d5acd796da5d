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

const copy = <T>(value: T): T => structuredClone(value)

/** Notifications by id, by idempotency key and by provider message id. */
function memoryNotificationMethods() {
  const notifications = new Map<string, NotificationRecord>()
  const byKey = new Map<string, string>()
  const byProviderId = new Map<string, string>()
  return {
    async insertNotification(record) {
      if (byKey.has(record.idempotencyKey)) return false
      byKey.set(record.idempotencyKey, record.id)
      notifications.set(record.id, copy(record))
      return true
    },
    async getNotificationByKey(key) {
      const id = byKey.get(key)
      const found = id === undefined ? undefined : notifications.get(id)
      return found && copy(found)
    },
    async getNotification(id) {
      const found = notifications.get(id)
      return found && copy(found)
    },
    async transitionNotification(id, change) {
      const found = notifications.get(id)
      if (!found || found.state !== change.from || found.updatedAt !== change.expectedUpdatedAt) return false
      found.state = change.to
      found.updatedAt = change.now
      return true
    },
    async completeNotification(id, deliveries, now) {
      const found = notifications.get(id)
      if (!found) return
      found.state = 'done'
      found.deliveries = copy(deliveries)
      found.updatedAt = now
      for (const delivery of deliveries) {
        if (delivery.providerMessageId)
          byProviderId.set(`${delivery.provider}\u0000${delivery.providerMessageId}`, id)
      }
    },
    async recordReceipt(receipt, now) {
      const id = byProviderId.get(`${receipt.provider}\u0000${receipt.providerMessageId}`)
      const found = id === undefined ? undefined : notifications.get(id)
      const deliveries = found && applyReceipt(found.deliveries, receipt, now)
      if (!found || !deliveries) return false
      found.deliveries = deliveries
      return true
    },
    async listNotifications(query) {
      return [...notifications.values()]
        .filter((record) => query.userId === undefined || record.userId === query.userId)
        .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
        .slice(0, query.limit)
        .map(copy)
    },
  } satisfies Partial<NotifyStore>
}

/** Preferences, devices and inbox items. */
function memoryUserMethods() {
  const preferences = new Map<string, UserPreferences>()
  const devices = new Map<string, DeviceRecord>()
  const inbox = new Map<string, InboxItem>()
  return {
    async getPreferences(userId) {
      const found = preferences.get(userId)
      return found && copy(found)
    },
    async setPreferences(userId, value) {
      preferences.set(userId, copy(value))
    },
    async upsertDevice(device) {
      const existing = devices.get(device.token)
      devices.set(device.token, { ...device, createdAt: existing?.createdAt ?? device.createdAt })
    },
    async listDevices(userId) {
      return [...devices.values()]
        .filter((device) => device.userId === userId)
        .sort((a, b) => a.createdAt - b.createdAt)
        .map(copy)
    },
    async removeDevices(tokens) {
      let removed = 0
      for (const token of tokens) if (devices.delete(token)) removed++
      return removed
    },
    async touchDevice(token, now) {
      const found = devices.get(token)
      if (found) found.lastSeenAt = now
    },
    async pruneDevices(before) {
      let removed = 0
      for (const [token, device] of devices) {
        if (device.lastSeenAt < before) {
          devices.delete(token)
          removed++
        }
      }
      return removed
    },
    async addInboxItem(item) {
      inbox.set(item.id, copy(item))
    },
    async listInbox(userId, query) {
      return [...inbox.values()]
        .filter((item) => item.userId === userId && (!query.unreadOnly || item.readAt === undefined))
        .sort((a, b) => b.createdAt - a.createdAt || (a.id < b.id ? 1 : -1))
        .slice(0, query.limit)
        .map(copy)
    },
    async unreadCount(userId) {
      return [...inbox.values()].filter((item) => item.userId === userId && item.readAt === undefined).length
    },
    async markRead(userId, ids, now) {
      let changed = 0
      for (const id of ids) {
        const item = inbox.get(id)
        if (item && item.userId === userId && item.readAt === undefined) {
          item.readAt = now
          changed++
        }
      }
      return changed
    },
    async markAllRead(userId, now) {
      let changed = 0
      for (const item of inbox.values()) {
        if (item.userId === userId && item.readAt === undefined) {
          item.readAt = now
          changed++
        }
      }
      return changed
    },
  } satisfies Partial<NotifyStore>
}

/** Outbox rows and disabled webhook endpoints; `{ trx }` is refused (no SQL to join). */
function memoryOutboxMethods() {
  const outbox = new Map<string, OutboxRecord>()
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
    async finishOutbox(id, owner, state) {
      const row = outbox.get(id)
      if (!row || row.leaseOwner !== owner || row.state !== 'pending') return false
      row.state = state
      delete row.leaseUntil
      return true
    },
    async releaseOutbox(id, owner, availableAt) {
      const row = outbox.get(id)
      if (!row || row.leaseOwner !== owner || row.state !== 'pending') return
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
  return {
    ...memoryTemplateMethods(),
    ...memoryNotificationMethods(),
    ...memoryUserMethods(),
    ...memoryOutboxMethods(),
    close: async () => {},
  }
}
