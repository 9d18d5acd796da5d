import type { Clock, HostDatabase, Logger, TenantMode } from '@opskit/core'
import type { KeyInput } from '../checkpoint/checkpoint.js'
import type { AuditStore } from '../store/audit-store.js'
import type { AuditCheckpoint } from './audit-log.js'

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
  /**
   * Shortcut for `store: await createKyselyAuditStore({ db, tablePrefix, subjectKeyWrappingKey, writerThread })`:
   * the host's Kysely instance, on which the log makes (and owns) its store. Required unless `store` is given.
   */
  db?: HostDatabase | undefined
  /**
   * The store: `await createKyselyAuditStore({ db })`, `createMemoryAuditStore()` from `/testing`, or
   * your own {@link AuditStore}. `close()` closes it.
   */
  store?: AuditStore | undefined
  /** Prefix of the audit tables. @default 'opskit_' */
  tablePrefix?: string | undefined
  /**
   * 32 bytes, kept outside the audited database, under which each subject's data key is wrapped
   * before it is stored (see `KyselyAuditStoreOptions.subjectKeyWrappingKey`). Recommended with
   * `encryptPersonalData`. With `store`, give it to the store instead.
   */
  subjectKeyWrappingKey?: Uint8Array | undefined
  /** Ed25519 private key (KeyObject or PEM) that signs checkpoints. Keep it outside the audited database. */
  signingKey?: KeyInput | undefined
  /** Name in the signature lines. @default the checkpoint origin */
  keyName?: string | undefined
  /** Checkpoint origin prefix; tenant chains append `/tenant/<id>`. @default 'opskit-audit' */
  origin?: string | undefined
  /** Make a signed checkpoint of a chain every N events written by this process. @default 1000 */
  checkpointEvery?: number | undefined
  /**
   * Receives every checkpoint and every retention statement (`kind: 'retention'`, made by
   * `applyRetention`): ship each outside the database (file, object lock, SIEM, witness) and pass
   * them all to `verify({ checkpoint })`.
   */
  onCheckpoint?: ((checkpoint: AuditCheckpoint) => void | Promise<void>) | undefined
  /** Paths removed from each event before hashing (`metadata.password`, `after.*.ssn`, …). */
  redact?: readonly string[] | undefined
  /**
   * `required`: every log, query, export and erasure carries `tenantId`; `optional`: events may
   * carry one (each tenant is its own chain) and a read without one spans the whole log (an
   * operator's view); `off`: no tenants, an event or read naming one is refused. @default 'optional'
   */
  tenantMode?: TenantMode | undefined
  /** Encrypt actor name/email/ip/userAgent with per-subject keys (for `forgetSubject`). @default true */
  encryptPersonalData?: boolean | undefined
  /** Record reads and exports of the log as `audit.*` events. @default true */
  auditReads?: boolean | undefined
  /** Most events per group commit. @default 1000 */
  maxBatch?: number | undefined
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
  writerThread?: boolean | 'auto' | undefined
  /** Source of `recordedAt` and default `occurredAt`. @default systemClock */
  clock?: Clock | undefined
  /** Where background failures (hooks, checkpoint shipping, retried commits) are reported. @default noopLogger */
  logger?: Logger | undefined
  /** Metric callbacks; `createPrometheusAuditMetrics` from `@opskit/audit/prometheus` builds them for prom-client. */
  metrics?: AuditMetrics | undefined
}
