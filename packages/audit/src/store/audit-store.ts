/** A chain's head: the last seq and its chain hash (seq 0 and the genesis hash when empty). */
export interface ChainHead {
  chainId: string
  seq: number
  hash: string
}

/** A per-subject data key for crypto-shredding personal fields. */
export interface SubjectKey {
  subjectId: string
  keyId: string
  /** 32 random bytes (AES-256-GCM). */
  key: Buffer
}

/** One event as stored: the canonical body plus the columns indexed for queries. */
export interface StoredEventRow {
  id: string
  chainId: string
  seq: number
  tenantId: string | null
  occurredAt: number
  recordedAt: number
  actorId: string
  action: string
  category: string
  outcome: string
  severity: string
  targetType: string | null
  targetId: string | null
  /** Canonical JSON of the whole event; the leaf hash covers exactly these bytes. */
  body: string
  leafHash: string
  prevHash: string
  hash: string
}

/** The last row of each chain in `rows` (rows of one chain are in seq order). */
export function lastRowOfEachChain(rows: readonly StoredEventRow[]): StoredEventRow[] {
  const last = new Map<string, StoredEventRow>()
  for (const row of rows) last.set(row.chainId, row)
  return [...last.values()]
}

/** What an append needs from the store inside its write transaction. */
export interface AppendPlan {
  /** Chains written and how many events each gets, sorted by chain id (the lock order). */
  chains: ReadonlyArray<{ chainId: string; count: number }>
  /** Subjects whose data keys the events need; the store creates missing keys. */
  subjects: readonly string[]
  /**
   * Another append follows at once, which a {@link AuditStore.pipeline | pipelining} store
   * commits in the same transaction as this one.
   */
  more?: boolean
  /**
   * Builds the rows once the chain heads are locked: the heads are the state *before* this
   * append. Called inside the transaction; must be synchronous and pure apart from the clock.
   */
  seal(context: {
    heads: ReadonlyMap<string, ChainHead>
    keys: ReadonlyMap<string, SubjectKey>
  }): StoredEventRow[]
}

/** Filters the store applies in `readEvents` (all optional, ANDed). */
export interface StoreFilter {
  chainId?: string
  tenantId?: string
  actorId?: string
  action?: string
  /** Matches actions starting with this prefix (e.g. `user.`). */
  actionPrefix?: string
  category?: string
  targetType?: string
  targetId?: string
  outcome?: string
  severity?: string
  /** Inclusive lower bound on `occurredAt` (epoch ms). */
  from?: number
  /** Exclusive upper bound on `occurredAt` (epoch ms). */
  to?: number
}

/** A checkpoint or retention anchor as stored. */
export interface StoredCheckpoint {
  chainId: string
  seq: number
  hash: string
  /** The C2SP checkpoint text (signed note when a key was configured). */
  text: string
  createdAt: number
}

/**
 * Storage of the audit trail. The log (`createAuditLog`) does validation, hashing, batching and
 * verification; a store only keeps rows and serialises writers per chain. A store is ready when
 * its factory resolves (a database store has run its migrations). Built-ins:
 * `createKyselyAuditStore` (SQLite and PostgreSQL through the host's Kysely) and
 * `createMemoryAuditStore` from `@opskit/audit/testing`. Every store passes
 * `runAuditStoreConformance`.
 */
export interface AuditStore {
  /** Short name for logs, e.g. `kysely:sqlite`. */
  readonly name: string
  /**
   * For a store that commits off the host thread (the SQLite writer thread): the log hands it
   * up to `maxInFlight` appends at once, of at most `chunkSize` events each, marking all but the
   * last of a run `more` so that the store commits them together. The store keeps every chain
   * gap-free whatever order they finish in. Without it, one append at a time.
   */
  readonly pipeline?: { readonly maxInFlight: number; readonly chunkSize: number } | undefined
  /**
   * Appends in one atomic write: locks each chain head first (so concurrent writers, also in
   * other processes, serialise per chain), hands the heads to `plan.seal`, inserts its rows and
   * moves the heads. Either every row is committed or none.
   */
  append(plan: AppendPlan): Promise<StoredEventRow[]>
  /** Events matching `filter`, newest first (by id), after the `beforeId` cursor when given. */
  readEvents(
    filter: StoreFilter,
    options: { limit: number; beforeId?: string | undefined },
  ): Promise<StoredEventRow[]>
  /** A chain's events with `seq > afterSeq` (and `<= toSeq`), ascending by seq. */
  readChain(
    chainId: string,
    options: { afterSeq: number; toSeq?: number | undefined; limit: number },
  ): Promise<StoredEventRow[]>
  /** The stored head of every chain (or one). */
  heads(chainId?: string): Promise<ChainHead[]>
  /** Data keys by key id; destroyed keys are absent. */
  getKeys(keyIds: readonly string[]): Promise<Map<string, SubjectKey>>
  /** Destroys a subject's data key; resolves to whether one existed. */
  destroyKey(subjectId: string): Promise<boolean>
  /** Keeps a checkpoint. */
  saveCheckpoint(checkpoint: StoredCheckpoint): Promise<void>
  /** Checkpoints of a chain, oldest first. */
  checkpoints(chainId: string): Promise<StoredCheckpoint[]>
  /**
   * The sanctioned deletion path: records `anchor` (the chain hash at `anchor.seq`), then deletes
   * the chain's events with `seq <= anchor.seq` (possibly in several bounded transactions; once the
   * anchor is stored, verification ignores what is left below it). Resolves to the number deleted.
   */
  retain(anchor: StoredCheckpoint): Promise<number>
  /** The newest retention anchor of a chain; `undefined` when there is none. */
  anchor(chainId: string): Promise<StoredCheckpoint | undefined>
  /** Releases resources the store owns (never the host's database); idempotent. */
  close(): Promise<void>
}
