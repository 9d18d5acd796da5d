import type { Logger } from '@opskit/core'
import { readSqliteSettings, setBounded } from '@opskit/core/internal'
import { createWorkerClient, startModuleWorker, type WorkerClient } from '@opskit/core/worker'
import type { Kysely } from 'kysely'
import { AuditError } from '../../errors/audit-error.js'
import {
  type AppendPlan,
  type ChainHead,
  lastRowOfEachChain,
  type StoredCheckpoint,
  type StoredEventRow,
  type SubjectKey,
} from '../audit-store.js'
import { writeEventParameters } from './event-statements.js'
import type { auditTables } from './migrations.js'
import type { WriterChain, WriterReplies, WriterRequest, WriterSetup } from './sqlite-writer-protocol.js'

/** Subject keys remembered for sealing without a read. */
const KEY_CACHE_SIZE = 10_000

/**
 * The audit store's writer thread, seen from the host thread. Rows are sealed here on the chain
 * heads this process predicts (the last rows it wrote) and committed there; the thread writes
 * them only if the chains still end at those heads and their subject keys still exist.
 * Otherwise, or for a chain this process has not seen yet, the store appends on the host's
 * connection, which reads the stored state in its transaction, and the writer learns from it.
 */
export interface SqliteWriter {
  /** False once the thread died; the store then appends on the host's connection. */
  readonly alive: boolean
  /**
   * Commits `plan` through the thread when every chain head it needs is known; resolves to the
   * rows, or to `undefined` when nothing was written and the append must go inline.
   */
  tryAppend(plan: AppendPlan): Promise<StoredEventRow[] | undefined>
  /** Takes the heads and keys of an append made on the host's connection. */
  learn(rows: readonly StoredEventRow[], keys: ReadonlyMap<string, SubjectKey>): void
  /** Drops a subject's key (before it is destroyed). */
  forgetKey(subjectId: string): void
  /** Keeps a checkpoint (written by the thread). */
  saveCheckpoint(checkpoint: StoredCheckpoint): Promise<void>
  close(): Promise<void>
}

// biome-ignore lint/suspicious/noExplicitAny: the store addresses its own prefixed tables only
type Db = Kysely<any>

/**
 * Starts the writer thread on the file behind `db`, with the host connection's `synchronous`
 * level and busy timeout, and waits until it has opened the file. `readStoredHeads` gives the
 * chain heads as stored, to chain the first batches on; it is read only when the file can have a writer thread.
 *
 * When `db` is not a SQLite file in WAL mode (each connection must read while the other writes),
 * or the thread cannot start: with `required` this throws (`AUDIT_INVALID_OPTIONS`, or
 * `AUDIT_STORE_FAILED` when the thread cannot open the file); without it, this returns
 * `undefined` and the store appends on the host's connection (a thread that cannot start is
 * logged as a warning).
 */
export async function openSqliteWriter(
  db: Db,
  tables: ReturnType<typeof auditTables>,
  readStoredHeads: () => Promise<readonly ChainHead[]>,
  {
    logger,
    required,
    keyWrappingKey,
  }: { logger?: Logger | undefined; required: boolean; keyWrappingKey?: Buffer | undefined },
): Promise<SqliteWriter | undefined> {
  const unavailable = (error: AuditError) => {
    if (required) throw error
    logger?.warn({ err: error }, 'audit writer thread unavailable; appending on the host connection')
    return undefined
  }
  const found = await readSqliteSettings(db)
  if (found.journalMode !== 'wal' || !found.file) {
    if (!required) return undefined
    throw new AuditError(
      'AUDIT_INVALID_OPTIONS',
      'writerThread needs a SQLite database file in WAL mode (not an in-memory database)',
    )
  }
  const storedHeads = await readStoredHeads()
  const setup: WriterSetup = {
    path: found.file,
    synchronous: found.synchronous,
    busyTimeoutMs: found.busyTimeoutMs,
    tables: {
      events: tables.events,
      chains: tables.chains,
      keys: tables.keys,
      checkpoints: tables.checkpoints,
    },
    keyWrappingKey: keyWrappingKey && new Uint8Array(keyWrappingKey),
  }
  let worker: ReturnType<typeof startModuleWorker>
  try {
    worker = startModuleWorker(import.meta.url, 'sqlite-writer-worker', { workerData: setup })
  } catch (error) {
    // A host that bundles its code must keep @opskit/audit external, as it keeps better-sqlite3.
    return unavailable(
      new AuditError('AUDIT_INVALID_OPTIONS', `writerThread: ${(error as Error).message}`, { cause: error }),
    )
  }
  let started = false
  const client: WorkerClient<WriterRequest, unknown> = createWorkerClient(worker, {
    // A thread that fails to open the file is reported once, below, not also as stopping.
    onExit: (error) => {
      if (started)
        logger?.error({ err: error }, 'audit writer thread stopped; appending on the host connection')
    },
  })
  const ask = asker(client)
  try {
    await ask({ kind: 'ready' })
    started = true
  } catch (error) {
    await client.close()
    return unavailable(
      new AuditError('AUDIT_STORE_FAILED', `the audit writer thread could not open ${setup.path}`, {
        cause: error,
      }),
    )
  }

  return threadedWriter(client, ask, storedHeads)
}

/** Typed requests to the thread: each kind resolves to its own reply. */
function asker(client: WorkerClient<WriterRequest, unknown>) {
  return <K extends WriterRequest['kind']>(request: WriterRequest & { kind: K }) =>
    client.request(request) as Promise<WriterReplies[K]>
}
type Ask = ReturnType<typeof asker>

/**
 * Subject keys remembered on the host (at most {@link KEY_CACHE_SIZE}), so that a batch whose
 * subjects are all known is sealed without a round trip; the others are made or read by the thread.
 */
function createKeyCache(ask: Ask) {
  const keys = new Map<string, SubjectKey>()
  const remember = (key: SubjectKey) => setBounded(keys, key.subjectId, key, KEY_CACHE_SIZE)
  return {
    remember,
    forget(subjectId: string) {
      keys.delete(subjectId)
    },
    /** The keys of `subjects`, from memory or made or read by the thread. */
    async fetch(subjects: readonly string[]) {
      const planKeys = new Map<string, SubjectKey>()
      const unknown: string[] = []
      for (const subjectId of subjects) {
        const key = keys.get(subjectId)
        if (key) planKeys.set(subjectId, key)
        else unknown.push(subjectId)
      }
      if (unknown.length > 0)
        for (const wire of await ask({ kind: 'keys', subjects: unknown })) {
          const key = { subjectId: wire.subjectId, keyId: wire.keyId, key: Buffer.from(wire.key, 'base64') }
          remember(key)
          planKeys.set(key.subjectId, key)
        }
      return planKeys
    },
  }
}

/** An append handed to the thread: its rows and the thread's answer to come. */
interface Posted {
  rows: StoredEventRow[]
  outcome: Promise<WriterReplies['append']>
}

/**
 * Seals `plan` on the predicted `heads` and posts it, without awaiting anything in between, and
 * moves those heads to the rows just sealed (the next batch chains on them while they are being
 * committed); `undefined` (nothing posted) when a chain's head is not known here. The rows'
 * values go out in `parameters`, an array reused from post to post: posting copies it at once.
 */
function sealAndPost(
  ask: Ask,
  heads: Map<string, ChainHead>,
  plan: AppendPlan,
  planKeys: ReadonlyMap<string, SubjectKey>,
  parameters: unknown[],
): Posted | undefined {
  const planHeads = new Map<string, ChainHead>()
  for (const { chainId } of plan.chains) {
    const head = heads.get(chainId)
    if (!head) return undefined
    planHeads.set(chainId, head)
  }
  const rows = plan.seal({ heads: planHeads, keys: planKeys })
  const chains: WriterChain[] = []
  const lastRows = new Map(lastRowOfEachChain(rows).map((row) => [row.chainId, row]))
  for (const { chainId, count } of plan.chains) {
    const head = planHeads.get(chainId) as ChainHead
    const last = lastRows.get(chainId) as StoredEventRow
    chains.push({ chainId, count, expectSeq: head.seq, expectHash: head.hash, lastHash: last.hash })
    heads.set(chainId, { chainId, seq: last.seq, hash: last.hash })
  }
  let at = 0
  for (const row of rows) at = writeEventParameters(parameters, at, row)
  parameters.length = at
  const keyIds = [...new Set([...planKeys.values()].map((key) => key.keyId))]
  // Posting copies the message before ask() returns (a structured clone), so the array is free again.
  return { rows, outcome: ask({ kind: 'append', chains, keyIds, parameters, more: plan.more === true }) }
}

/**
 * The writer over a started thread: seals each plan on the heads it predicts (the stored heads
 * at first, then the last rows it posted) and posts it; a plan the thread refuses goes inline.
 */
function threadedWriter(
  client: WorkerClient<WriterRequest, unknown>,
  ask: Ask,
  storedHeads: readonly ChainHead[],
): SqliteWriter {
  // Stored heads to chain the first batches on; if another writer moves one first, the thread
  // refuses the batch and it goes inline.
  const heads = new Map(storedHeads.map((head) => [head.chainId, head]))
  const keys = createKeyCache(ask)
  /** Seal-and-post turns, so batches reach the thread in the order they were handed over. */
  let sealing: Promise<void> = Promise.resolve()
  /** The values of the rows being posted (see sealAndPost). */
  const parameters: unknown[] = []

  return {
    get alive() {
      return client.alive
    },

    async tryAppend(plan) {
      if (!client.alive) return undefined
      // Batches are sealed and posted one after another, in the order the log hands them over:
      // each seals on the heads the one before it left, and an append marked `more` is followed
      // by the next one, or by a flush.
      const turn = sealing
      let endTurn = () => {}
      sealing = new Promise((resolve) => {
        endTurn = resolve
      })
      let posted: Posted | undefined
      try {
        await turn
        posted = sealAndPost(ask, heads, plan, await keys.fetch(plan.subjects), parameters)
      } finally {
        // Going inline: commit what the thread holds open (the appends announced before this
        // one, a checkpoint) so that the host's connection does not wait for the write lock.
        if (!posted) void ask({ kind: 'flush' }).catch(() => {})
        endTurn()
      }
      if (!posted) return undefined
      let outcome: WriterReplies['append']
      try {
        outcome = await posted.outcome
      } catch (error) {
        for (const { chainId } of plan.chains) heads.delete(chainId)
        // SQLITE_BUSY and the like keep their code, so the log retries them.
        throw error
      }
      if (outcome === 'committed') return posted.rows
      for (const { chainId } of plan.chains) heads.delete(chainId)
      if (outcome === 'key-destroyed') for (const subjectId of plan.subjects) keys.forget(subjectId)
      return undefined
    },

    learn(rows, learned) {
      for (const row of lastRowOfEachChain(rows))
        heads.set(row.chainId, { chainId: row.chainId, seq: row.seq, hash: row.hash })
      for (const key of learned.values()) keys.remember(key)
    },

    forgetKey(subjectId) {
      keys.forget(subjectId)
    },

    async saveCheckpoint(checkpoint) {
      await ask({ kind: 'checkpoint', checkpoint })
    },

    close: () => client.close(),
  }
}
