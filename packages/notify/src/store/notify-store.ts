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

/** The kinds of records `notifier.applyRetention()` removes; see {@link NotifyStore.deleteExpired}. */
export type NotifyRetentionKind = 'deliveries' | 'inbox' | 'outbox' | 'devices'

/** One batch of {@link NotifyStore.deleteExpired}. */
export interface RetentionBatchQuery {
  /** Records older than this (epoch ms). */
  cutoff?: number
  /** Keep the newest `keepLast` of each owner (inbox: each user of each tenant). */
  keepLast?: number
  /** Only this tenant (`''` for rows without one); every tenant when left out. */
  tenantId?: string
  /** At most this many records. */
  limit: number
}

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
  /** The notification holding an idempotency key in a tenant (keys are unique per tenant). */
  getNotificationByKey(tenantId: string, idempotencyKey: string): Promise<NotificationRecord | undefined>
  /** A notification of a tenant by id (another tenant's id finds nothing). */
  getNotification(tenantId: string, id: string): Promise<NotificationRecord | undefined>
  /**
   * Moves a notification to `to` only if it is still in `from` and unchanged since
   * `expectedUpdatedAt` (compare-and-swap, so one of several racers wins).
   */
  transitionNotification(
    tenantId: string,
    id: string,
    change: { from: NotificationState; expectedUpdatedAt: number; to: NotificationState; now: number },
  ): Promise<boolean>
  /** Records the final deliveries (state `done`). */
  completeNotification(tenantId: string, id: string, deliveries: Delivery[], now: number): Promise<void>
  /**
   * Attaches a provider's delivery report to the delivery that carried `providerMessageId`
   * of the tenant (and its price, when given); returns false when no delivery of that tenant has that id.
   */
  recordReceipt(tenantId: string, receipt: DeliveryReceipt, now: number): Promise<boolean>
  /** A tenant's delivery log, newest first. */
  listNotifications(query: {
    tenantId: string
    userId?: string
    limit: number
  }): Promise<NotificationRecord[]>

  /** A user's preferences in a tenant (`undefined` when never set). */
  getPreferences(tenantId: string, userId: string): Promise<UserPreferences | undefined>
  /** Replaces a user's preferences in a tenant. */
  setPreferences(tenantId: string, userId: string, preferences: UserPreferences): Promise<void>

  /**
   * Registers a device token in its tenant (re-registering in the same tenant moves it to the
   * user and refreshes last-seen).
   */
  upsertDevice(device: DeviceRecord): Promise<void>
  /** A user's devices in a tenant, oldest first. */
  listDevices(tenantId: string, userId: string): Promise<DeviceRecord[]>
  /** Removes tokens of a tenant; returns how many existed. */
  removeDevices(tenantId: string, tokens: readonly string[]): Promise<number>
  /** Sets last-seen of a tenant's token. */
  touchDevice(tenantId: string, token: string, now: number): Promise<void>

  /** Adds an inbox item (in `item.tenantId`). */
  addInboxItem(item: InboxItem): Promise<void>
  /** A user's inbox in a tenant, newest first. */
  listInbox(
    tenantId: string,
    userId: string,
    query: { unreadOnly?: boolean; limit: number },
  ): Promise<InboxItem[]>
  /** Unread items of a user in a tenant. */
  unreadCount(tenantId: string, userId: string): Promise<number>
  /** Marks items of a user in a tenant read; returns how many changed. */
  markRead(tenantId: string, userId: string, ids: readonly string[], now: number): Promise<number>
  /** Marks every unread item of a user in a tenant read; returns how many changed. */
  markAllRead(tenantId: string, userId: string, now: number): Promise<number>

  /**
   * Adds outbox rows. With `trx` (a Kysely transaction of the host's database) the rows commit or
   * roll back with the host's own writes; stores without SQL reject `trx` with `NOTIFY_STORE_UNSUPPORTED`.
   */
  enqueueOutbox(rows: readonly OutboxRecord[], options?: { trx?: HostDatabase }): Promise<void>
  /**
   * Claims up to `limit` pending rows that are available and not leased by a live owner, of
   * every tenant (each row keeps its `tenantId`): sets the lease and counts an attempt. Never
   * gives one row to two owners at once.
   */
  claimOutbox(claim: { owner: string; limit: number; leaseMs: number; now: number }): Promise<OutboxRecord[]>
  /** Finishes a claimed row (only while `owner` holds it); returns false when the lease was lost. */
  finishOutbox(tenantId: string, id: string, owner: string, state: 'done' | 'failed'): Promise<boolean>
  /** Hands a claimed row back for a later attempt at `availableAt`. */
  releaseOutbox(tenantId: string, id: string, owner: string, availableAt: number): Promise<void>
  /** Row counts per state, over every tenant. */
  outboxCounts(): Promise<Record<OutboxRecord['state'], number>>

  /**
   * Records that a webhook endpoint answered 410 Gone: no more deliveries to it. Disabled
   * endpoints are global (about a URL, not a tenant's data): a URL gone for one tenant is gone.
   */
  disableEndpoint(url: string, reason: string, now: number): Promise<void>
  /** Whether deliveries to a webhook endpoint are disabled. */
  isEndpointDisabled(url: string): Promise<boolean>
  /** Re-enables an endpoint; returns whether it was disabled. */
  enableEndpoint(url: string): Promise<boolean>
  /** Disabled endpoints, most recent first. */
  listDisabledEndpoints(): Promise<Array<{ url: string; reason: string; disabledAt: number }>>

  /**
   * A tenant's templates and partials kept in the database (`NO_TENANT`: the defaults), partials
   * first, then by name, channel and locale. Optional: a store without it offers no stored
   * templates (`notifier.templates.save()` then throws `NOTIFY_STORE_UNSUPPORTED`).
   */
  listTemplates?(tenantId: string): Promise<TemplateRecord[]>
  /** Adds or replaces a tenant's template (by name, channel and locale) or partial (by name). */
  saveTemplate?(tenantId: string, record: TemplateRecord): Promise<void>
  /** Deletes a tenant's stored template or partial; returns whether it existed. */
  deleteTemplate?(tenantId: string, key: TemplateKey): Promise<boolean>

  /**
   * Deletes ONE batch of at most `limit` expired records of a kind (in one short transaction)
   * and resolves to how many it deleted; `notifier.applyRetention` calls it until a batch comes
   * back short. `cutoff` (epoch ms): older records only; `keepLast` (inbox): never the newest
   * `keepLast` of each user; `tenantId`: that tenant only, else every tenant. What each kind
   * removes: `deliveries` notifications in state `done` created before the cutoff, with their
   * provider-message links (never `queued` or `sending` ones); `inbox` items; `outbox` rows in
   * state `done` or `failed` (never `pending`); `devices` not seen since the cutoff.
   */
  deleteExpired(kind: NotifyRetentionKind, query: RetentionBatchQuery): Promise<number>
  /**
   * How long one `deleteExpired` batch may take, in ms: `applyRetention` sizes its batches to it.
   * A store whose deletes lock out writers (SQLite's single write lock) keeps it short; one whose
   * deletes block no writer (PostgreSQL locks only the rows deleted) may take longer batches,
   * which a commit's fsync would otherwise dominate. @default 20
   */
  readonly retentionTargetBatchMs?: number
  /**
   * Whether writes of sends are waiting for the lock a `deleteExpired` batch takes, right now:
   * while it answers true, `applyRetention` sizes its batches to a tenth of
   * `retentionTargetBatchMs`, so a send is held up by a short batch. Optional: a store whose
   * deletes block no writer (PostgreSQL) leaves it out.
   */
  retentionWritersWaiting?(): boolean

  /** Releases resources the store owns (never the host's database); calling it again does nothing. */
  close(): Promise<void>
}
