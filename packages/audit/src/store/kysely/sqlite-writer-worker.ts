import { parentPort, receiveMessageOnPort, workerData } from 'node:worker_threads'
import { createStatementCache, placeholderRows } from '@opskit/core/sql'
import { type WorkerReply, type WorkerRequest, workerErrorReply } from '@opskit/core/worker'
import Database from 'better-sqlite3'
import { createSubjectKeyWrap } from '../../crypto/key-wrap.js'
import type { StoredCheckpoint } from '../audit-store.js'
import {
  checkpointParameters,
  EVENT_COLUMNS,
  insertCheckpointStatement,
  insertEventsStatement,
  readHeadStatement,
  setHeadStatement,
} from './event-statements.js'
import type {
  AppendOutcome,
  AppendRequest,
  WriterReplies,
  WriterRequest,
  WriterSetup,
} from './sqlite-writer-protocol.js'
import { ensureSubjectKeys, type RunSql } from './subject-keys.js'

/**
 * The audit writer thread: its own connection to the host's SQLite file. It writes sealed rows
 * after checking that each chain still ends where the rows were chained on, and makes subject
 * keys and keeps checkpoints, so that the host thread never waits for the file's write lock.
 *
 * Appends that the host sends back to back (`more`) go into one `BEGIN IMMEDIATE` transaction,
 * the group, which commits when the last of them arrives (the host caps a group at its
 * `maxBatch` events), or when the announced one did not come within {@link GROUP_WAIT_MS}; every
 * append of the group is answered after that commit. So the host seals the next rows while this
 * thread inserts the previous ones, and a thousand events still pay one commit. A signed
 * checkpoint is written in the open group's transaction (a group is opened for it if none is)
 * and answered with it (the log signs one per `checkpointEvery` events); subject keys asked for
 * while a group is open are made in it. WAL checkpoints run after a group's
 * answers are posted (about every {@link CHECKPOINT_PAGES} WAL pages, as SQLite's automatic
 * checkpoint), not inside its commit, so callers do not wait for them.
 * Requests are handled one at a time, in the order posted.
 */
const setup = workerData as WriterSetup
const db = new Database(setup.path, { timeout: setup.busyTimeoutMs })
db.pragma(`synchronous = ${setup.synchronous}`)
db.pragma('wal_autocheckpoint = 0')
const keyWrap = createSubjectKeyWrap(setup.keyWrappingKey ? Buffer.from(setup.keyWrappingKey) : undefined)

/** How long an open group waits for the append the host announced before committing anyway. */
const GROUP_WAIT_MS = 50
/** WAL pages between two passive checkpoints: SQLite's `wal_autocheckpoint` default. */
const CHECKPOINT_PAGES = 1_000

/** Prepared statements by SQL text (the texts come from a few size-keyed builders). */
const statements = createStatementCache(db, 256)
const run: RunSql = async (text, parameters) => {
  const prepared = statements.prepare(text)
  if (prepared.reader) return prepared.all(...parameters) as Array<Record<string, unknown>>
  prepared.run(...parameters)
  return []
}

const readHeadText = readHeadStatement(setup.tables.chains, 'sqlite')
const setHeadText = setHeadStatement(setup.tables.chains, 'sqlite')
const insertCheckpointText = insertCheckpointStatement(setup.tables.checkpoints, 'sqlite')
// One prepared single-row INSERT run per row: 6.5–7 µs per row here, against 9.7–10 µs for
// 100-row multi-row statements binding 1,700 parameters at once (bench/RESULTS.md).
const insertEvent = db.prepare(insertEventsStatement(setup.tables.events, 'sqlite', 1, new Map()))
const ROW_WIDTH = EVENT_COLUMNS.length
const rowParameters: unknown[] = new Array(ROW_WIDTH)
const begin = db.prepare('BEGIN IMMEDIATE')
const commit = db.prepare('COMMIT')
const rollback = db.prepare('ROLLBACK')

/** Appends written in the open transaction, answered when it commits. */
interface Group {
  ids: number[]
  /** Checkpoints written in the open transaction (see {@link onCheckpoint}). */
  checkpointIds: number[]
  rows: number
  /** Key ids seen in the group's transaction: none can be destroyed while it holds the write lock. */
  keyIds: Set<string>
}

/**
 * Writes one append into the open group; or, when a chain does not end where the rows were
 * chained on or a key is gone, says so and writes nothing (the checks only read).
 */
function write(group: Group, request: AppendRequest): AppendOutcome {
  for (const chain of request.chains) {
    const head = statements.prepare(readHeadText).get(chain.chainId) as
      | { last_seq: number | bigint; last_hash: string }
      | undefined
    if (
      !head ||
      Number(head.last_seq) !== chain.expectSeq ||
      String(head.last_hash).trim() !== chain.expectHash
    )
      return 'head-moved'
  }
  const unchecked = request.keyIds.filter((keyId) => !group.keyIds.has(keyId))
  if (unchecked.length > 0) {
    const text = `SELECT count(*) AS n FROM ${setup.tables.keys} WHERE key_id IN ${placeholderRows('sqlite', 1, unchecked.length)}`
    const found = statements.prepare(text).get(...unchecked) as { n: number }
    if (found.n !== unchecked.length) return 'key-destroyed'
    for (const keyId of unchecked) group.keyIds.add(keyId)
  }
  const { parameters } = request
  const rows = parameters.length / ROW_WIDTH
  for (let i = 0, at = 0; i < rows; i++) {
    // One reused array per row: better-sqlite3 binds it before run() returns.
    for (let column = 0; column < ROW_WIDTH; column++) rowParameters[column] = parameters[at++]
    insertEvent.run(rowParameters)
  }
  for (const chain of request.chains)
    statements.prepare(setHeadText).run(chain.expectSeq + chain.count, chain.lastHash, chain.chainId)
  group.rows += rows
  return 'committed'
}

const port = parentPort as NonNullable<typeof parentPort>
type Reply = WorkerReply<WriterReplies[keyof WriterReplies]>
const reply = (message: Reply) => port.postMessage(message)
/** Answers several requests in one message, so that the host settles them in one turn. */
const replyAll = (messages: Reply[]) => port.postMessage(messages)

let group: Group | undefined
let groupTimer: NodeJS.Timeout | undefined
let rowsSinceCheckpoint = 0
/** Rows expected to fill {@link CHECKPOINT_PAGES} pages, learnt from each checkpoint's page count. */
let checkpointEveryRows = CHECKPOINT_PAGES

/** Commits the open group and answers its appends; then checkpoints the WAL when it is due. */
function commitGroup(): void {
  if (!group) return
  const committed = group
  group = undefined
  try {
    commit.run()
  } catch (error) {
    failGroup(committed, error)
    return
  }
  replyAll([
    ...committed.ids.map((id): Reply => ({ id, ok: true, reply: 'committed' })),
    ...committed.checkpointIds.map((id): Reply => ({ id, ok: true, reply: true })),
  ])
  rowsSinceCheckpoint += committed.rows
  if (rowsSinceCheckpoint >= checkpointEveryRows) checkpoint()
}

/**
 * A PASSIVE checkpoint, as SQLite's automatic one: copies what no reader still needs, never
 * waits. The pages it found in the WAL tell how many rows fill {@link CHECKPOINT_PAGES}.
 */
function checkpoint(): void {
  const [result] = db.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>
  const pages = result?.log ?? 0
  if (pages > 0)
    checkpointEveryRows = Math.min(
      100_000,
      Math.max(100, Math.round((rowsSinceCheckpoint * CHECKPOINT_PAGES) / pages)),
    )
  rowsSinceCheckpoint = 0
}

/** The open group, or a new one (`BEGIN IMMEDIATE`). */
function openGroup(): Group {
  if (!group) {
    begin.run()
    group = { ids: [], checkpointIds: [], rows: 0, keyIds: new Set() }
  }
  return group
}

/**
 * Fails every request of `failed` (a group whose transaction is lost) and `alsoFailing`, rolling
 * the transaction back if SQLite has not.
 */
function failGroup(failed: Group, error: unknown, ...alsoFailing: number[]): void {
  if (group === failed) group = undefined
  if (db.inTransaction) rollback.run()
  replyAll([...failed.ids, ...failed.checkpointIds, ...alsoFailing].map((id) => workerErrorReply(id, error)))
}

/**
 * After a statement of a non-append request failed inside `open`: when SQLite undid the statement
 * alone, only that request fails; when the transaction went with it, the whole group fails.
 */
function failInGroup(open: Group, id: number, error: unknown): void {
  if (db.inTransaction) reply(workerErrorReply(id, error))
  else failGroup(open, error, id)
}

function onAppend(id: number, request: AppendRequest): void {
  let outcome: AppendOutcome
  try {
    outcome = write(openGroup(), request)
  } catch (error) {
    // Part of this append may be written: the whole group rolls back and every append in it fails.
    if (group) failGroup(group, error, id)
    else reply(workerErrorReply(id, error))
    return
  }
  if (outcome === 'committed') group?.ids.push(id)
  else reply({ id, ok: true, reply: outcome })
  if (!request.more) commitGroup()
}

/**
 * A signed checkpoint is written in the open group's transaction (one is opened if none is) and
 * answered when the group commits, as its appends are: the next appends join it, where a
 * transaction of its own would cost one more commit, and committing an open group early for it
 * one more again. A group opened for it commits with the next appends, at a flush, or after
 * {@link GROUP_WAIT_MS}.
 */
function onCheckpoint(id: number, checkpoint: StoredCheckpoint): void {
  let open: Group
  try {
    open = openGroup()
  } catch (error) {
    reply(workerErrorReply(id, error))
    return
  }
  try {
    statements.prepare(insertCheckpointText).run(...checkpointParameters(checkpoint))
    open.checkpointIds.push(id)
  } catch (error) {
    failInGroup(open, id, error)
  }
}

/**
 * Subject keys are made in the open group's transaction, when one is open, and answered at once,
 * so the appends sealed with them join the same group: a key is durable with the first rows
 * sealed with it (if the group rolls back, those rows fail with it, and a later append naming the
 * key finds it missing, `key-destroyed`, and goes inline, where it is made again). With no group
 * open they are committed on their own before the answer, so no group holds the write lock for
 * a plan that goes inline (a chain this process has not seen yet).
 */
async function onKeys(id: number, subjects: string[]): Promise<void> {
  const open = group
  try {
    const keys = await ensureSubjectKeys(run, setup.tables.keys, 'sqlite', subjects, keyWrap)
    const wire = [...keys.values()].map((key) => ({
      subjectId: key.subjectId,
      keyId: key.keyId,
      key: key.key.toString('base64'),
    }))
    reply({ id, ok: true, reply: wire })
  } catch (error) {
    if (open) failInGroup(open, id, error)
    else reply(workerErrorReply(id, error))
  }
}

const queue: Array<WorkerRequest<WriterRequest>> = []
let draining = false

/** Handles every request posted so far, taking those still in the port without yielding. */
async function drain(): Promise<void> {
  draining = true
  clearTimeout(groupTimer)
  for (;;) {
    for (let next = receiveMessageOnPort(port); next; next = receiveMessageOnPort(port))
      queue.push(next.message as WorkerRequest<WriterRequest>)
    const message = queue.shift()
    if (!message) break
    const { id, request } = message
    if (request.kind === 'append') {
      onAppend(id, request)
      continue
    }
    if (request.kind === 'checkpoint') onCheckpoint(id, request.checkpoint)
    else if (request.kind === 'keys') await onKeys(id, request.subjects)
    else {
      // `ready` and `flush`: the open group commits first.
      commitGroup()
      reply({ id, ok: true, reply: true })
    }
  }
  if (group) groupTimer = setTimeout(commitGroup, GROUP_WAIT_MS)
  draining = false
}

port.on('message', (message: WorkerRequest<WriterRequest>) => {
  queue.push(message)
  if (!draining) void drain()
})
