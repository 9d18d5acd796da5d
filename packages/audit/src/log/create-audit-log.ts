import type { KeyObject } from 'node:crypto'
import { Readable } from 'node:stream'
import { isSpanContextValid, trace } from '@opentelemetry/api'
import {
  type Clock,
  createRedactor,
  createUuidV7Generator,
  DEFAULT_TABLE_PREFIX,
  type HostDatabase,
  type Logger,
  noopLogger,
  parseInput,
  retry,
  systemClock,
} from '@opskit/core'
import { EventHooks } from '../alerts/event-hooks.js'
import { createCheckpoint, type KeyInput, toPrivateKey, toPublicKey } from '../checkpoint/checkpoint.js'
import { createRetentionStatement } from '../checkpoint/retention-statement.js'
import { createFieldSealer } from '../crypto/subject-crypto.js'
import { AuditError } from '../errors/audit-error.js'
import { chainHash, leafHash } from '../event/canonical.js'
import {
  decodeEvent,
  type EventBody,
  encodeActor,
  encodeBody,
  keyIdsOf,
  PERSONAL_ACTOR_FIELDS,
  storedRow,
} from '../event/event-body.js'
import {
  type AuditEvent,
  type AuditEventInput,
  auditEventSchema,
  auditInstantSchema,
  type ParsedAuditEvent,
  tenantIdSchema,
} from '../event/event-schema.js'
import { parseEventFast } from '../event/fast-parse.js'
import { takeEvent } from '../event/intake.js'
import { exportChunks } from '../export/export-format.js'
import {
  type AppendPlan,
  type AuditStore,
  type ChainHead,
  lastRowOfEachChain,
  type StoredEventRow,
  type StoreFilter,
  type SubjectKey,
} from '../store/audit-store.js'
import { createKyselyAuditStore } from '../store/kysely/kysely-audit-store.js'
import { groupOutsideRecords } from '../verify/outside-records.js'
import { verifyChain } from '../verify/verify-chain.js'
import type {
  ActivitySummary,
  AuditCheckpoint,
  AuditLog,
  AuditPage,
  AuditQuery,
  AuditViewer,
  ComplianceSummary,
  HelperEventInput,
  LoggedEvent,
  RetentionResult,
  VerifyResult,
} from './audit-log.js'

/** Optional callbacks for metrics (wire them to prom-client counters/histograms). */
export interface AuditMetrics {
  /** After each group commit: events committed and how long the transaction took. */
  batchCommitted?(events: number, durationMs: number): void
  /** After each failed group commit. */
  batchFailed?(events: number): void
  /** After each `verify`. */
  verified?(checked: number, failures: number): void
}

/** Options of {@link createAuditLog}. */
export interface AuditLogOptions {
  /** The host's Kysely instance; `createAuditLog` runs the migrations on it. Required unless `store` is given. */
  db?: HostDatabase
  /** A custom store (e.g. `createMemoryAuditStore()` from `/testing`) instead of `db`. */
  store?: AuditStore
  /** Prefix of the audit tables. @default 'opskit_' */
  tablePrefix?: string
  /**
   * 32 bytes, kept outside the audited database, under which each subject's data key is wrapped
   * before it is stored (see `KyselyAuditStoreOptions.subjectKeyWrappingKey`). Recommended with
   * `encryptPersonalData`. With `store`, give it to the store instead.
   */
  subjectKeyWrappingKey?: Uint8Array
  /** Ed25519 private key (KeyObject or PEM) that signs checkpoints. Keep it outside the audited database. */
  signingKey?: KeyInput
  /** Name in the signature lines. @default the checkpoint origin */
  keyName?: string
  /** Checkpoint origin prefix; tenant chains append `/tenant/<id>`. @default 'opskit-audit' */
  origin?: string
  /** Make a signed checkpoint of a chain every N events written by this process. @default 1000 */
  checkpointEvery?: number
  /**
   * Receives every checkpoint and every retention statement (`kind: 'retention'`, made by
   * `applyRetention`): ship each outside the database (file, object lock, SIEM, witness) and pass
   * them all to `verify({ checkpoint })`.
   */
  onCheckpoint?: (checkpoint: AuditCheckpoint) => void | Promise<void>
  /** Paths removed from each event before hashing (`metadata.password`, `after.*.ssn`, …). */
  redact?: readonly string[]
  /** `required`: every log and query must carry `tenantId`. @default 'optional' */
  tenantMode?: 'optional' | 'required'
  /** Encrypt actor name/email/ip/userAgent with per-subject keys (for `forgetSubject`). @default true */
  encryptPersonalData?: boolean
  /** Record reads and exports of the log as `audit.*` events. @default true */
  auditReads?: boolean
  /** Most events per group commit. @default 1000 */
  maxBatch?: number
  /**
   * Commit events from a worker thread on its own connection to the SQLite file, so inserts and
   * fsyncs do not block the host's event loop and the next events are validated, sealed and
   * hashed while the thread inserts (1.2–1.4× the throughput in the package benchmark on two
   * cores). Costs a thread and a second connection, which holds the file's write lock while a
   * group of up to `maxBatch` events is written. `'auto'` uses it for a SQLite file in WAL mode
   * and the host's connection otherwise (in-memory SQLite, PostgreSQL; a thread that cannot start,
   * e.g. in an app bundled with `@opskit/audit` inside, is logged as a warning); `true` requires
   * it (`AUDIT_INVALID_OPTIONS` otherwise); `false` never starts it. @default 'auto'
   */
  writerThread?: boolean | 'auto'
  /** Source of `recordedAt` and default `occurredAt`. @default systemClock */
  clock?: Clock
  /** Where background failures (hooks, checkpoint shipping, retried commits) are reported. @default noopLogger */
  logger?: Logger
  /** Metric callbacks; `createPrometheusAuditMetrics` from `@opskit/audit/prometheus` builds them for prom-client. */
  metrics?: AuditMetrics
}

interface Pending {
  event: ParsedAuditEvent & { occurredAt: number; sanitized?: string[] }
  chainId: string
  id: string
  resolve(value: LoggedEvent): void
  reject(error: unknown): void
  /** Set while sealing: the row this event became. */
  row?: StoredEventRow
}

const TRANSIENT_CODES = new Set(['SQLITE_BUSY', 'SQLITE_BUSY_SNAPSHOT', 'SQLITE_LOCKED', '40001', '40P01'])

/** SQLite lock timeouts and PostgreSQL serialisation failures / deadlocks: nothing was committed. */
function isTransientStoreError(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' && TRANSIENT_CODES.has(code)
}

const SYSTEM_ACTOR = { id: 'opskit-audit', type: 'system' as const }
const PAGE = 1_000

function invalidEvent(message: string, issues: unknown): AuditError {
  return new AuditError('AUDIT_INVALID_EVENT', `invalid audit event: ${message}`, { details: { issues } })
}

function instant(value: Date | string | number | undefined, field: string): number | undefined {
  if (value === undefined) return undefined
  return parseInput(
    auditInstantSchema,
    value,
    (message) => new AuditError('AUDIT_INVALID_QUERY', `invalid query: ${field}: ${message}`),
  )
}

function encodeCursor(id: string): string {
  return Buffer.from(id, 'utf8').toString('base64url')
}

function decodeCursor(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8')
  if (!/^[0-9a-f-]{36}$/.test(id))
    throw new AuditError('AUDIT_INVALID_QUERY', 'invalid query: cursor is not one this log issued')
  return id
}

/**
 * Creates the audit trail on the host's database (or on `store`): runs the migrations, then
 * validates, redacts, encrypts personal fields, chains and group-commits events.
 *
 * @example
 * ```ts
 * const audit = await createAuditLog({ db, signingKey: process.env.AUDIT_KEY, onCheckpoint: ship })
 * await audit.logLogin({ actor: { id: 'u_1', ip: '203.0.113.9' }, outcome: 'failure', reason: 'bad password' })
 * const { ok, failures } = await audit.verify()
 * ```
 */
export async function createAuditLog(options: AuditLogOptions): Promise<AuditLog> {
  if (!options.store && !options.db)
    throw new AuditError(
      'AUDIT_INVALID_OPTIONS',
      'createAuditLog needs `db` (the host Kysely instance) or `store`',
    )
  if (options.store && options.subjectKeyWrappingKey !== undefined)
    throw new AuditError(
      'AUDIT_INVALID_OPTIONS',
      'subjectKeyWrappingKey goes to the store you pass (createKyselyAuditStore({ subjectKeyWrappingKey }))',
    )
  const logger = (options.logger ?? noopLogger).child({ component: 'opskit-audit' })
  const store =
    options.store ??
    createKyselyAuditStore({
      db: options.db as HostDatabase,
      tablePrefix: options.tablePrefix ?? DEFAULT_TABLE_PREFIX,
      writerThread: options.writerThread ?? 'auto',
      logger,
      ...(options.subjectKeyWrappingKey !== undefined
        ? { subjectKeyWrappingKey: options.subjectKeyWrappingKey }
        : {}),
    })
  const clock = options.clock ?? systemClock
  const metrics = options.metrics ?? {}
  const signingKey: KeyObject | undefined = options.signingKey ? toPrivateKey(options.signingKey) : undefined
  const defaultPublicKey = signingKey ? toPublicKey(signingKey) : undefined
  const originBase = options.origin ?? 'opskit-audit'
  if (/\s/.test(originBase) || originBase === '')
    throw new AuditError('AUDIT_INVALID_OPTIONS', 'origin must be non-empty without whitespace')
  const checkpointEvery = options.checkpointEvery ?? 1000
  if (!Number.isInteger(checkpointEvery) || checkpointEvery < 1)
    throw new AuditError('AUDIT_INVALID_OPTIONS', 'checkpointEvery must be a positive integer')
  const maxBatch = options.maxBatch ?? 1000
  if (!Number.isInteger(maxBatch) || maxBatch < 1)
    throw new AuditError('AUDIT_INVALID_OPTIONS', 'maxBatch must be a positive integer')
  const tenantRequired = options.tenantMode === 'required'
  const encrypt = options.encryptPersonalData ?? true
  const auditReads = options.auditReads ?? true
  const redact = createRedactor(options.redact ?? [])
  const newId = createUuidV7Generator(clock)
  const sealer = createFieldSealer()
  const hooks = new EventHooks((error) => logger.error({ err: error }, 'audit onEvent handler failed'))

  await store.init()

  const queue: Pending[] = []
  let closed = false
  const sinceCheckpoint = new Map<string, number>()
  const lastWritten = new Map<string, ChainHead>()

  const originOf = (chainId: string) => (chainId === '' ? originBase : `${originBase}/tenant/${chainId}`)

  const signWith = {
    ...(signingKey ? { signingKey } : {}),
    ...(options.keyName ? { keyName: options.keyName } : {}),
  }

  /** Hands a checkpoint or retention statement to the host's outside channel. */
  const shipOutside = async (record: AuditCheckpoint): Promise<void> => {
    if (!options.onCheckpoint) return
    try {
      await options.onCheckpoint(record)
    } catch (error) {
      logger.error({ err: error, chainId: record.chainId }, 'audit onCheckpoint hook failed')
    }
  }

  const emitCheckpoint = async (head: ChainHead, reason: 'interval' | 'close'): Promise<AuditCheckpoint> => {
    const made = createCheckpoint({
      origin: originOf(head.chainId),
      size: head.seq,
      rootHash: head.hash,
      ...signWith,
    })
    const checkpoint: AuditCheckpoint = { ...made, chainId: head.chainId, reason }
    await store.saveCheckpoint({
      chainId: head.chainId,
      seq: head.seq,
      hash: head.hash,
      text: made.text,
      createdAt: clock.now(),
    })
    sinceCheckpoint.set(head.chainId, 0)
    await shipOutside(checkpoint)
    return checkpoint
  }

  const commit = async (batch: Pending[], more = false): Promise<void> => {
    const byChain = new Map<string, Pending[]>()
    for (const pending of batch) {
      const list = byChain.get(pending.chainId)
      if (list) list.push(pending)
      else byChain.set(pending.chainId, [pending])
    }
    const chains = [...byChain.keys()]
      .sort()
      .map((chainId) => ({ chainId, count: (byChain.get(chainId) as Pending[]).length }))
    const subjects = encrypt
      ? [
          ...new Set(
            batch
              .filter((p) => PERSONAL_ACTOR_FIELDS.some((field) => p.event.actor[field] !== undefined))
              .map((p) => p.event.actor.id),
          ),
        ]
      : []
    let sealedKeys: ReadonlyMap<string, SubjectKey> = new Map()
    // Only hooks registered before the batch was sealed see its events.
    const hadHooks = hooks.size > 0
    const started = performance.now()
    let rows: StoredEventRow[]
    try {
      const plan: AppendPlan = {
        chains,
        subjects,
        more,
        seal: ({ heads, keys }) => {
          sealedKeys = keys
          const recordedAt = clock.now()
          const out: StoredEventRow[] = []
          for (const { chainId } of chains) {
            const head = heads.get(chainId) as ChainHead
            let prev = head.hash
            let seq = head.seq
            for (const pending of byChain.get(chainId) as Pending[]) {
              seq++
              const key = keys.get(pending.event.actor.id)
              const actorJson = encodeActor(
                pending.event.actor,
                key ? (field, value) => sealer.seal(key, field, value) : undefined,
              )
              const position = { id: pending.id, chainId, seq, recordedAt }
              const encoded = encodeBody(pending.event, position, actorJson)
              const leaf = leafHash(encoded)
              const hash = chainHash(prev, leaf)
              const row = storedRow(pending.event, position, encoded, leaf, prev, hash)
              out.push(row)
              pending.row = row
              prev = hash
            }
          }
          return out
        },
      }
      // Lock timeouts and PostgreSQL serialisation/deadlock aborts happen before commit, so the
      // whole batch can be sealed again against the then-current chain heads.
      rows = await retry(() => store.append(plan), {
        retries: 4,
        baseMs: 25,
        maxMs: 1_000,
        jitter: 'full',
        isRetryable: isTransientStoreError,
        clock: systemClock,
        onRetry: ({ error, attempt }) => logger.warn({ err: error, attempt }, 'audit group commit retried'),
      })
    } catch (error) {
      metrics.batchFailed?.(batch.length)
      const failure =
        error instanceof AuditError
          ? error
          : new AuditError('AUDIT_STORE_FAILED', 'committing audit events failed', {
              cause: error,
              retryable: true,
            })
      for (const pending of batch) pending.reject(failure)
      return
    }
    metrics.batchCommitted?.(rows.length, performance.now() - started)
    for (const pending of batch) {
      const row = pending.row as StoredEventRow
      pending.resolve({ id: row.id, chainId: row.chainId, seq: row.seq, hash: row.hash })
    }
    // Rows come grouped by chain in seq order: the last row of each group is that chain's head.
    for (const row of lastRowOfEachChain(rows)) {
      // With pipelined appends a batch may finish after one that chained on it.
      if ((lastWritten.get(row.chainId)?.seq ?? 0) < row.seq)
        lastWritten.set(row.chainId, { chainId: row.chainId, seq: row.seq, hash: row.hash })
    }
    if (hadHooks && hooks.size > 0) {
      // Hooks see the plaintext that was logged, decoded from the committed rows, in queue order
      // (which is seq order within each chain).
      const keys = keysById(sealedKeys)
      hooks.emit(
        batch.map((p) => {
          const row = p.row as StoredEventRow
          return decodeEvent(row, JSON.parse(row.body) as EventBody, keys)
        }),
      )
    }
    for (const { chainId, count } of chains) {
      const total = (sinceCheckpoint.get(chainId) ?? 0) + count
      sinceCheckpoint.set(chainId, total)
      if (total >= checkpointEvery) await emitCheckpoint(lastWritten.get(chainId) as ChainHead, 'interval')
    }
  }

  // Batches in flight: one at a time, or as the store pipelines them (the SQLite writer thread):
  // chunks posted back to back, of which up to `maxBatch` events commit together, while the
  // next chunks are sealed.
  const { maxInFlight, chunkSize } = store.pipeline ?? { maxInFlight: 1, chunkSize: maxBatch }
  let inFlight = 0
  let scheduled = false
  let idle: Array<() => void> = []

  const settleIdle = () => {
    if (scheduled || inFlight > 0 || queue.length > 0) return
    const waiting = idle
    idle = []
    for (const resolve of waiting) resolve()
  }

  const pump = () => {
    scheduled = false
    let grouped = 0
    while (queue.length > 0 && inFlight < maxInFlight) {
      const batch = queue.splice(0, Math.min(chunkSize, maxBatch - grouped))
      inFlight++
      grouped += batch.length
      // Another chunk follows in this same turn: the store may commit the two together.
      const more = queue.length > 0 && inFlight < maxInFlight && grouped < maxBatch
      if (!more) grouped = 0
      commit(batch, more)
        .catch((error) => logger.error({ err: error }, 'audit group commit failed'))
        .finally(() => {
          inFlight--
          if (queue.length > 0) kick()
          else settleIdle()
        })
    }
    settleIdle()
  }

  const kick = () => {
    if (scheduled) return
    scheduled = true
    setImmediate(pump)
  }

  /** Resolves once every event logged so far (and any logged meanwhile) is committed or rejected. */
  const flush = (): Promise<void> =>
    new Promise((resolve) => {
      idle.push(resolve)
      settleIdle()
    })

  const prepare = (input: AuditEventInput): Pending['event'] => {
    // A private copy taken now: what is validated is what gets hashed, whatever the caller does
    // with its objects afterwards, and free text from requests is escaped, never refused.
    const taken = takeEvent(input)
    const redacted = redact(taken.event)
    const event: ParsedAuditEvent & { sanitized?: string[] } =
      parseEventFast(redacted) ?? parseInput(auditEventSchema, redacted, invalidEvent)
    if (taken.sanitized.length > 0) event.sanitized = taken.sanitized
    if (tenantRequired && event.tenantId === undefined)
      throw new AuditError(
        'AUDIT_TENANT_REQUIRED',
        'invalid audit event: tenantId is required (tenantMode: required)',
        {
          details: { issues: [{ path: 'tenantId', message: 'required' }] },
        },
      )
    if (event.correlationId === undefined) {
      const span = trace.getActiveSpan()
      const context = span?.spanContext()
      if (context && isSpanContextValid(context)) event.correlationId = context.traceId
    }
    if (event.occurredAt === undefined) event.occurredAt = clock.now()
    return event as Pending['event']
  }

  const log = (input: AuditEventInput): Promise<LoggedEvent> => {
    if (closed) return Promise.reject(new AuditError('AUDIT_CLOSED', 'the audit log is closed'))
    let event: Pending['event']
    try {
      event = prepare(input)
    } catch (error) {
      return Promise.reject(error)
    }
    return new Promise<LoggedEvent>((resolve, reject) => {
      queue.push({ event, chainId: event.tenantId ?? '', id: newId(), resolve, reject })
      kick()
    })
  }

  const helper =
    (action: string, category: AuditEventInput['category'], severity?: AuditEventInput['severity']) =>
    (input: HelperEventInput): Promise<LoggedEvent> => {
      const event = { ...(input as Record<string, unknown>) }
      const failed = event.outcome === 'failure'
      return log({
        ...(severity || failed ? { severity: severity ?? 'warning' } : {}),
        ...(event as Omit<AuditEventInput, 'action' | 'category'>),
        action: (input.action as string | undefined) ?? action,
        category,
      })
    }

  const requireTenant = (tenantId: string | undefined): string | undefined => {
    if (tenantId !== undefined)
      return parseInput(
        tenantIdSchema,
        tenantId,
        (message) => new AuditError('AUDIT_INVALID_QUERY', `invalid query: tenantId: ${message}`),
      )
    if (tenantRequired)
      throw new AuditError('AUDIT_TENANT_REQUIRED', 'tenantId is required (tenantMode: required)')
    return undefined
  }

  const toStoreFilter = (filter: AuditQuery): StoreFilter => {
    const tenantId = requireTenant(filter.tenantId)
    const out: StoreFilter = {}
    if (tenantId !== undefined) out.tenantId = tenantId
    const copy = [
      'actorId',
      'action',
      'actionPrefix',
      'category',
      'targetType',
      'targetId',
      'outcome',
      'severity',
    ] as const
    for (const key of copy) {
      const value = filter[key]
      if (value === undefined) continue
      if (typeof value !== 'string' || value.length === 0 || value.length > 256)
        throw new AuditError('AUDIT_INVALID_QUERY', `invalid query: ${key} must be a non-empty string`)
      out[key] = value
    }
    const from = instant(filter.from, 'from')
    const to = instant(filter.to, 'to')
    if (from !== undefined) out.from = from
    if (to !== undefined) out.to = to
    return out
  }

  const decodeRows = async (rows: StoredEventRow[]): Promise<AuditEvent[]> => {
    const bodies = rows.map((row) => JSON.parse(row.body) as EventBody)
    const keyIds = [...new Set(bodies.flatMap(keyIdsOf))]
    const keys = keysById(await store.getKeys(keyIds))
    return rows.map((row, index) => decodeEvent(row, bodies[index] as EventBody, keys))
  }

  const auditRead = async (
    action: string,
    category: 'compliance' | 'export' | 'data_access',
    viewer: AuditViewer | undefined,
    tenantId: string | undefined,
    metadata: Record<string, unknown>,
  ): Promise<void> => {
    if (!auditReads) return
    await log({
      action,
      category,
      actor: viewer ? { type: 'user', ...viewer } : SYSTEM_ACTOR,
      target: { type: 'audit_log', ...(tenantId !== undefined ? { id: tenantId } : {}) },
      ...(tenantId !== undefined ? { tenantId } : {}),
      metadata,
    })
  }

  const describeFilter = (filter: StoreFilter): Record<string, unknown> => JSON.parse(JSON.stringify(filter))

  async function* scanRows(filter: StoreFilter): AsyncGenerator<StoredEventRow[]> {
    let beforeId: string | undefined
    for (;;) {
      const rows = await store.readEvents(filter, { limit: PAGE, ...(beforeId ? { beforeId } : {}) })
      yield rows
      if (rows.length < PAGE) return
      beforeId = (rows[rows.length - 1] as StoredEventRow).id
    }
  }

  async function* scan(filter: StoreFilter): AsyncGenerator<AuditEvent> {
    for await (const rows of scanRows(filter)) for (const event of await decodeRows(rows)) yield event
  }

  const verify: AuditLog['verify'] = async (verifyOptions = {}) => {
    await flush()
    const publicKey = verifyOptions.publicKey ? toPublicKey(verifyOptions.publicKey) : defaultPublicKey
    const outside =
      verifyOptions.checkpoint === undefined
        ? undefined
        : groupOutsideRecords(verifyOptions.checkpoint, originBase)
    const heads = await store.heads(verifyOptions.tenantId)
    const chainIds = new Set(heads.map((head) => head.chainId))
    for (const chainId of outside?.keys() ?? [])
      if (verifyOptions.tenantId === undefined || chainId === verifyOptions.tenantId) chainIds.add(chainId)
    const result: VerifyResult = { ok: true, checked: 0, headSeq: 0, failures: [], caveats: [], chains: [] }
    for (const chainId of [...chainIds].sort()) {
      const chain = await verifyChain(store, chainId, {
        origin: originOf(chainId),
        ...(verifyOptions.from !== undefined ? { from: verifyOptions.from } : {}),
        ...(verifyOptions.to !== undefined ? { to: verifyOptions.to } : {}),
        ...(publicKey ? { publicKey } : {}),
        ...(outside ? { outside: outside.get(chainId) ?? { checkpoints: [], retentions: [] } } : {}),
      })
      result.checked += chain.checked
      result.headSeq = Math.max(result.headSeq, chain.headSeq)
      result.failures.push(...chain.failures)
      result.caveats.push(...chain.caveats)
      result.chains.push({ chainId, headSeq: chain.headSeq, checked: chain.checked })
    }
    result.ok = result.failures.length === 0
    metrics.verified?.(result.checked, result.failures.length)
    if (!result.ok) logger.warn({ failures: result.failures.slice(0, 10) }, 'audit trail verification failed')
    else if (result.caveats.length > 0)
      logger.warn({ caveats: result.caveats.slice(0, 10) }, 'audit trail verified with caveats')
    return result
  }

  const audit: AuditLog = {
    log,
    logLogin: helper('user.login', 'authentication'),
    logLogout: helper('user.logout', 'session'),
    logRegistration: helper('user.register', 'authentication'),
    logTokenRefresh: helper('token.refresh', 'session'),
    logPasswordChange: helper('user.password_change', 'authentication', 'warning'),
    logPermissionChange: helper('permission.change', 'permission_change', 'warning'),
    logDataAccess: helper('data.read', 'data_access'),
    logDataModification: helper('data.update', 'data_modification'),
    logDataDeletion: helper('data.delete', 'data_deletion', 'warning'),
    logExport: (input) => {
      const { personalData, ...rest } = input
      const event: HelperEventInput = personalData
        ? { ...rest, metadata: { ...(rest.metadata ?? {}), personalData: true } }
        : rest
      return helper('data.export', 'export')(event)
    },
    logConfigChange: helper('config.change', 'config_change', 'warning'),
    logSecurityEvent: helper('security.alert', 'security', 'warning'),
    logAdminAction: helper('admin.action', 'admin', 'warning'),

    async query(filter = {}) {
      const storeFilter = toStoreFilter(filter)
      const limit = filter.limit ?? 100
      if (!Number.isInteger(limit) || limit < 1 || limit > 1000)
        throw new AuditError('AUDIT_INVALID_QUERY', 'invalid query: limit must be an integer in 1..1000')
      const beforeId = filter.cursor !== undefined ? decodeCursor(filter.cursor) : undefined
      await flush()
      const rows = await store.readEvents(storeFilter, {
        limit: limit + 1,
        ...(beforeId ? { beforeId } : {}),
      })
      const page = rows.slice(0, limit)
      const result: AuditPage = { events: await decodeRows(page) }
      if (rows.length > limit) result.nextCursor = encodeCursor((page[page.length - 1] as StoredEventRow).id)
      await auditRead('audit.query', 'data_access', filter.viewer, storeFilter.tenantId, {
        filter: describeFilter(storeFilter),
        returned: page.length,
      })
      return result
    },

    async activitySummary(actorId, summaryOptions = {}) {
      const filter = toStoreFilter({ ...summaryOptions, actorId })
      await flush()
      const summary: ActivitySummary = { total: 0, byAction: {}, byOutcome: {} }
      let last = -1
      // Counts need only the indexed columns: no body parsing, no decryption.
      for await (const rows of scanRows(filter)) {
        for (const row of rows) {
          summary.total++
          summary.byAction[row.action] = (summary.byAction[row.action] ?? 0) + 1
          summary.byOutcome[row.outcome] = (summary.byOutcome[row.outcome] ?? 0) + 1
          last = Math.max(last, row.occurredAt)
        }
      }
      if (last >= 0) summary.lastActivity = new Date(last).toISOString()
      await auditRead('audit.summary', 'data_access', summaryOptions.viewer, filter.tenantId, {
        filter: describeFilter(filter),
      })
      return summary
    },

    async complianceSummary(filter = {}) {
      const storeFilter = toStoreFilter(filter)
      await flush()
      const summary: ComplianceSummary = {
        total: 0,
        byCategory: {},
        byOutcome: {},
        failedLogins: 0,
        privilegedActions: 0,
        personalDataExports: 0,
        securityIncidents: 0,
      }
      if (storeFilter.from !== undefined) summary.from = new Date(storeFilter.from).toISOString()
      if (storeFilter.to !== undefined) summary.to = new Date(storeFilter.to).toISOString()
      if (storeFilter.tenantId !== undefined) summary.tenantId = storeFilter.tenantId
      for await (const rows of scanRows(storeFilter)) {
        for (const row of rows) {
          summary.total++
          summary.byCategory[row.category] = (summary.byCategory[row.category] ?? 0) + 1
          summary.byOutcome[row.outcome] = (summary.byOutcome[row.outcome] ?? 0) + 1
          if (row.action === 'user.login' && row.outcome === 'failure') summary.failedLogins++
          if (row.category === 'admin' || row.category === 'permission_change') summary.privilegedActions++
          if (
            row.category === 'pii_access' ||
            (row.category === 'export' && (JSON.parse(row.body) as EventBody).metadata?.personalData === true)
          )
            summary.personalDataExports++
          if (row.category === 'security' && (row.severity === 'error' || row.severity === 'critical'))
            summary.securityIncidents++
        }
      }
      await auditRead('audit.compliance_summary', 'compliance', filter.viewer, storeFilter.tenantId, {
        filter: describeFilter(storeFilter),
      })
      return summary
    },

    verify,

    export(filter, exportOptions) {
      const format = exportOptions.format
      if (!['csv', 'ndjson', 'json', 'ocsf'].includes(format))
        throw new AuditError(
          'AUDIT_INVALID_QUERY',
          'invalid export: format must be csv, ndjson, json or ocsf',
        )
      const storeFilter = toStoreFilter(filter)
      const chunks = exportChunks(format)
      async function* generate(): AsyncGenerator<string> {
        await flush()
        let count = 0
        let completed = false
        try {
          yield chunks.header
          let buffer = ''
          for await (const event of scan(storeFilter)) {
            buffer += chunks.event(event, count++)
            if (buffer.length >= 65_536) {
              yield buffer
              buffer = ''
            }
          }
          yield buffer + chunks.footer
          completed = true
        } finally {
          // Recorded also when the consumer stops early: the attempt is what compliance asks about.
          await auditRead('audit.export', 'export', filter.viewer, storeFilter.tenantId, {
            filter: describeFilter(storeFilter),
            format,
            exported: count,
            completed,
          })
        }
      }
      return Readable.from(generate(), { objectMode: false })
    },

    async applyRetention(retention) {
      const cutoff = instant(retention.olderThan, 'olderThan')
      if (cutoff === undefined)
        throw new AuditError('AUDIT_INVALID_QUERY', 'invalid retention: olderThan is required')
      const tenantId = retention.tenantId === undefined ? undefined : requireTenant(retention.tenantId)
      await flush()
      const result: RetentionResult = { deleted: 0, anchorSeq: 0, chains: [] }
      for (const head of await store.heads(tenantId)) {
        const anchor = await store.anchor(head.chainId)
        let last: StoredEventRow | undefined
        let afterSeq = anchor?.seq ?? 0
        scanning: for (;;) {
          const rows = await store.readChain(head.chainId, { afterSeq, limit: PAGE })
          for (const row of rows) {
            if (row.recordedAt >= cutoff) break scanning
            last = row
          }
          if (rows.length < PAGE) break
          afterSeq = (rows[rows.length - 1] as StoredEventRow).seq
        }
        if (!last) continue
        const check = await verifyChain(store, head.chainId, { origin: originOf(head.chainId), to: last.seq })
        if (check.failures.length > 0)
          throw new AuditError(
            'AUDIT_CHAIN_BROKEN',
            `retention refused: chain "${head.chainId}" fails verification at seq ${check.failures[0]?.seq}`,
            { details: { failures: check.failures.slice(0, 10) } },
          )
        const statement = createRetentionStatement({
          origin: originOf(head.chainId),
          size: last.seq,
          rootHash: last.hash,
          ...signWith,
        })
        const deleted = await store.retain({
          chainId: head.chainId,
          seq: last.seq,
          hash: last.hash,
          text: statement.text,
          createdAt: clock.now(),
        })
        await shipOutside({ ...statement, chainId: head.chainId, reason: 'retention' })
        result.deleted += deleted
        result.anchorSeq = Math.max(result.anchorSeq, last.seq)
        result.chains.push({ chainId: head.chainId, deleted, anchorSeq: last.seq })
        await log({
          action: 'audit.retention',
          category: 'compliance',
          severity: 'warning',
          actor: SYSTEM_ACTOR,
          target: { type: 'audit_log', id: head.chainId || 'default' },
          ...(head.chainId !== '' ? { tenantId: head.chainId } : {}),
          metadata: { deleted, anchorSeq: last.seq, olderThan: new Date(cutoff).toISOString() },
        })
      }
      return result
    },

    async forgetSubject(subjectId, forgetOptions = {}) {
      if (typeof subjectId !== 'string' || subjectId.length === 0 || subjectId.length > 256)
        throw new AuditError('AUDIT_INVALID_QUERY', 'invalid erasure: subjectId must be a non-empty string')
      const tenantId =
        forgetOptions.tenantId === undefined ? undefined : requireTenant(forgetOptions.tenantId)
      if (tenantRequired && tenantId === undefined)
        throw new AuditError('AUDIT_TENANT_REQUIRED', 'tenantId is required (tenantMode: required)')
      await flush()
      const erased = await store.destroyKey(subjectId)
      sealer.clear()
      await log({
        action: 'gdpr.erasure',
        category: 'compliance',
        actor: forgetOptions.viewer ? { type: 'user', ...forgetOptions.viewer } : SYSTEM_ACTOR,
        target: { type: 'subject', id: subjectId },
        ...(tenantId !== undefined ? { tenantId } : {}),
        metadata: { keyDestroyed: erased },
      })
      return { erased }
    },

    onEvent(filter, handler) {
      const threshold = filter.threshold
      if (
        threshold &&
        (!Number.isInteger(threshold.count) ||
          threshold.count < 1 ||
          !(threshold.windowMs > 0) ||
          (threshold.maxKeys !== undefined &&
            (!Number.isInteger(threshold.maxKeys) || threshold.maxKeys < 1)))
      )
        throw new AuditError(
          'AUDIT_INVALID_OPTIONS',
          'onEvent threshold needs a positive integer count and windowMs (and maxKeys, when given)',
        )
      return hooks.add(filter, handler)
    },

    async checkpoint() {
      await flush()
      const made: AuditCheckpoint[] = []
      for (const [chainId, count] of sinceCheckpoint) {
        const head = lastWritten.get(chainId)
        if (count > 0 && head) made.push(await emitCheckpoint(head, 'interval'))
      }
      return made
    },

    flush,

    async close() {
      if (closed) return
      closed = true
      await flush()
      for (const [chainId, count] of sinceCheckpoint) {
        const head = lastWritten.get(chainId)
        if (count > 0 && head) await emitCheckpoint(head, 'close')
      }
      await store.close()
    },
  }
  return audit
}

function keysById(keys: ReadonlyMap<string, SubjectKey>): Map<string, SubjectKey> {
  const out = new Map<string, SubjectKey>()
  for (const key of keys.values()) out.set(key.keyId, key)
  return out
}
