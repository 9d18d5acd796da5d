import type { HostDatabase } from '@opskit/core'
import type {
  Delivery,
  DeliveryReceipt,
  DeviceRecord,
  InboxItem,
  NotificationRecord,
  NotificationState,
  OutboxRecord,
  TemplateKey,
  TemplateRecord,
  UserPreferences,
} from './records.js'

/**
 * Where the notifier keeps its delivery log, idempotency keys, preferences, devices, inbox and
 * outbox. `await createKyselyNotifyStore({ db })` and (for tests) `createMemoryNotifyStore()` from
 * `/testing` implement it and pass `runNotifyStoreConformance`; a host may bring its own. A store
 * is ready when its factory resolves (the Kysely store migrates first); reads of something that
 * does not exist return `undefined`.
 */
export interface NotifyStore {
  /**
   * Inserts a notification; `false` when its idempotency key is already taken (nothing written).
   * Resolves once the row is durable; with `{ wait: 'committed' }` a store may resolve as soon as
   * it is committed (visible, and kept if the process dies) while its fsync still runs; the
   * notifier asks this only for sends without an idempotency key, and acknowledges them only
   * after a later durable write.
   */
  insertNotification(
    record: NotificationRecord,
    options?: { wait?: 'durable' | 'committed' },
  ): Promise<boolean>
  /** The notification holding an idempotency key. */
  getNotificationByKey(idempotencyKey: string): Promise<NotificationRecord | undefined>
  /** A notification by id. */
  getNotification(id: string): Promise<NotificationRecord | undefined>
  /**
   * Moves a notification to `to` only if it is still in `from` and unchanged since
   * `expectedUpdatedAt` (compare-and-swap, so one of several racers wins).
   */
  transitionNotification(
    id: string,
    change: { from: NotificationState; expectedUpdatedAt: number; to: NotificationState; now: number },
  ): Promise<boolean>
  /** Records the final deliveries (state `done`). */
  completeNotification(id: string, deliveries: Delivery[], now: number): Promise<void>
  /**
   * Attaches a provider's delivery report to the delivery that carried `providerMessageId`
   * (and its price, when given); returns false when no delivery has that id.
   */
  recordReceipt(receipt: DeliveryReceipt, now: number): Promise<boolean>
  /** The delivery log, newest first. */
  listNotifications(query: { userId?: string; limit: number }): Promise<NotificationRecord[]>

  /** A user's preferences (`undefined` when never set). */
  getPreferences(userId: string): Promise<UserPreferences | undefined>
  /** Replaces a user's preferences. */
  setPreferences(userId: string, preferences: UserPreferences): Promise<void>

  /** Registers a device token (re-registering moves it to the user and refreshes last-seen). */
  upsertDevice(device: DeviceRecord): Promise<void>
  /** A user's devices, oldest first. */
  listDevices(userId: string): Promise<DeviceRecord[]>
  /** Removes tokens; returns how many existed. */
  removeDevices(tokens: readonly string[]): Promise<number>
  /** Sets last-seen of a token. */
  touchDevice(token: string, now: number): Promise<void>
  /** Removes devices not seen since `lastSeenBefore`; returns how many. */
  pruneDevices(lastSeenBefore: number): Promise<number>

  /** Adds an inbox item. */
  addInboxItem(item: InboxItem): Promise<void>
  /** A user's inbox, newest first. */
  listInbox(userId: string, query: { unreadOnly?: boolean; limit: number }): Promise<InboxItem[]>
  /** Unread items of a user. */
  unreadCount(userId: string): Promise<number>
  /** Marks items of a user read; returns how many changed. */
  markRead(userId: string, ids: readonly string[], now: number): Promise<number>
  /** Marks every unread item of a user read; returns how many changed. */
  markAllRead(userId: string, now: number): Promise<number>

  /**
   * Adds outbox rows. With `trx` (a Kysely transaction of the host's database) the rows commit or
   * roll back with the host's own writes; stores without SQL reject `trx` with `NOTIFY_STORE_UNSUPPORTED`.
   */
  enqueueOutbox(rows: readonly OutboxRecord[], options?: { trx?: HostDatabase }): Promise<void>
  /**
   * Claims up to `limit` pending rows that are available and not leased by a live owner: sets
   * the lease and counts an attempt. Never gives one row to two owners at once.
   */
  claimOutbox(claim: { owner: string; limit: number; leaseMs: number; now: number }): Promise<OutboxRecord[]>
  /** Finishes a claimed row (only while `owner` holds it); returns false when the lease was lost. */
  finishOutbox(id: string, owner: string, state: 'done' | 'failed'): Promise<boolean>
  /** Hands a claimed row back for a later attempt at `availableAt`. */
  releaseOutbox(id: string, owner: string, availableAt: number): Promise<void>
  /** Row counts per state. */
  outboxCounts(): Promise<Record<OutboxRecord['state'], number>>

  /** Records that a webhook endpoint answered 410 Gone: no more deliveries to it. */
  disableEndpoint(url: string, reason: string, now: number): Promise<void>
  /** Whether deliveries to a webhook endpoint are disabled. */
  isEndpointDisabled(url: string): Promise<boolean>
  /** Re-enables an endpoint; returns whether it was disabled. */
  enableEndpoint(url: string): Promise<boolean>
  /** Disabled endpoints, most recent first. */
  listDisabledEndpoints(): Promise<Array<{ url: string; reason: string; disabledAt: number }>>

  /**
   * Templates and partials kept in the database, partials first, then by name, channel and locale.
   * Optional: a store without it offers no stored templates (`notifier.templates.save()` then
   * throws `NOTIFY_STORE_UNSUPPORTED`).
   */
  listTemplates?(): Promise<TemplateRecord[]>
  /** Adds or replaces a template (by name, channel and locale) or a partial (by name). */
  saveTemplate?(record: TemplateRecord): Promise<void>
  /** Deletes a stored template or partial; returns whether it existed. */
  deleteTemplate?(key: TemplateKey): Promise<boolean>

  /** Releases resources the store owns (never the host's database); calling it again does nothing. */
  close(): Promise<void>
}
