import type { DeviceRecord, InboxItem, NotificationRecord, OutboxRecord } from '../records.js'

/** A row as the database returns it. */
export type Row = Record<string, unknown>
const num = (value: unknown): number => Number(value)
const optNum = (value: unknown): number | undefined =>
  value === null || value === undefined ? undefined : Number(value)
const optStr = (value: unknown): string | undefined =>
  value === null || value === undefined ? undefined : String(value)

export function toNotification(row: Row): NotificationRecord {
  const userId = optStr(row.user_id)
  const category = optStr(row.category)
  return {
    id: String(row.id),
    tenantId: String(row.tenant_id ?? ''),
    idempotencyKey: String(row.idempotency_key),
    ...(userId === undefined ? {} : { userId }),
    ...(category === undefined ? {} : { category }),
    state: row.state as NotificationRecord['state'],
    deliveries: JSON.parse(String(row.deliveries)),
    createdAt: num(row.created_at),
    updatedAt: num(row.updated_at),
  }
}

export function toDevice(row: Row): DeviceRecord {
  return {
    tenantId: String(row.tenant_id ?? ''),
    userId: String(row.user_id),
    token: String(row.token),
    platform: row.platform as DeviceRecord['platform'],
    createdAt: num(row.created_at),
    lastSeenAt: num(row.last_seen_at),
  }
}

export function toInbox(row: Row): InboxItem {
  const title = optStr(row.title)
  const category = optStr(row.category)
  const readAt = optNum(row.read_at)
  return {
    id: String(row.id),
    tenantId: String(row.tenant_id ?? ''),
    userId: String(row.user_id),
    ...(title === undefined ? {} : { title }),
    body: String(row.body),
    ...(category === undefined ? {} : { category }),
    ...(row.data ? { data: JSON.parse(String(row.data)) } : {}),
    createdAt: num(row.created_at),
    ...(readAt === undefined ? {} : { readAt }),
  }
}

export function toOutbox(row: Row): OutboxRecord {
  const leaseOwner = optStr(row.lease_owner)
  const leaseUntil = optNum(row.lease_until)
  return {
    id: String(row.id),
    tenantId: String(row.tenant_id ?? ''),
    message: JSON.parse(String(row.message)),
    idempotencyKey: String(row.idempotency_key),
    state: row.state as OutboxRecord['state'],
    attempts: num(row.attempts),
    availableAt: num(row.available_at),
    ...(leaseOwner === undefined ? {} : { leaseOwner }),
    ...(leaseUntil === undefined ? {} : { leaseUntil }),
    createdAt: num(row.created_at),
  }
}
