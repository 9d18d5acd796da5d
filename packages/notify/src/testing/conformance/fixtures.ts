import type { NotificationRecord, OutboxRecord } from '../../store/records.js'

let unique = 0

/** A unique id, so cases on a shared database never collide. */
export const id = (prefix: string) => `${prefix}-${Date.now().toString(36)}-${++unique}`

/** A notification record (state `sending`, user `user-1`), with overrides. */
export const notification = (overrides: Partial<NotificationRecord> = {}): NotificationRecord => ({
  id: id('n'),
  tenantId: '',
  idempotencyKey: id('key'),
  userId: 'user-1',
  state: 'sending',
  deliveries: [],
  createdAt: 1_000,
  updatedAt: 1_000,
  ...overrides,
})

/** A pending outbox row, with overrides. */
export const row = (overrides: Partial<OutboxRecord> = {}): OutboxRecord => ({
  id: id('o'),
  tenantId: '',
  message: { channels: ['email'], content: { subject: 's', text: 't' } },
  idempotencyKey: id('ok'),
  state: 'pending',
  attempts: 0,
  availableAt: 0,
  createdAt: 0,
  ...overrides,
})
