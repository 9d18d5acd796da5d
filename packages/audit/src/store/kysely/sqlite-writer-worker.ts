import { workerData } from 'node:worker_threads'
import { placeholderRows } from '@opskit/core/sql'
import { serveWorkerRequests } from '@opskit/core/worker'
import Database from 'better-sqlite3'
import { GENESIS_HASH } from '../../event/canonical.js'
import {
  checkpointParameters,
  EVENT_COLUMNS,
  insertCheckpointStatement,
  insertChunkSize,
  insertEventsStatement,
  lockHeadStatement,
  moveHeadStatement,
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
 * The audit writer thread: its own connection to the host's SQLite file. It commits sealed rows
 * in `BEGIN IMMEDIATE` transactions after checking that each chain still ends where the rows
 * were chained on, and makes subject keys and keeps checkpoints, so that the host thread never
 * waits for the file's write lock. Requests are handled one at a time, in the order posted.
 */
const setup = workerData as WriterSetup
const db = new Database(setup.path, { timeout: setup.busyTimeoutMs })
db.pragma(`synchronous = ${setup.synchronous}`)

/** Prepared statements by SQL text (the texts come from a few size-keyed builders). */
const prepared = new Map<string, Database.Statement>()
const statement = (text: string) => {
  let found = prepared.get(text)
  if (!found) {
    if (prepared.size > 256) prepared.clear()
    found = db.prepare(text)
    prepared.set(text, found)
  }
  return found
}
const run: RunSql = async (text, parameters) => {
  const prepared = statement(text)
  if (prepared.reader) return prepared.all(...parameters) as Array<Record<string, unknown>>
  prepared.run(...parameters)
  return []
}

const lockHeadText = lockHeadStatement(setup.tables.chains, 'sqlite')
const moveHeadText = moveHeadStatement(setup.tables.chains, 'sqlite')
const chunk = insertChunkSize('sqlite')
const insertTexts = new Map<number, string>()

/** Thrown inside the transaction to roll it back with nothing written. */
class NotWritten extends Error {
  constructor(readonly outcome: Exclude<AppendOutcome, 'committed'>) {
    super(outcome)
  }
}

const append = db.transaction((request: AppendRequest) => {
  for (const chain of request.chains) {
    const head = statement(lockHeadText).get(chain.chainId, chain.count, GENESIS_HASH) as
      | { last_seq: number | bigint; last_hash: string }
      | undefined
    if (
      !head ||
      Number(head.last_seq) - chain.count !== chain.expectSeq ||
      String(head.last_hash).trim() !== chain.expectHash
    )
      throw new NotWritten('head-moved')
  }
  if (request.keyIds.length > 0) {
    const text = `SELECT count(*) AS n FROM ${setup.tables.keys} WHERE key_id IN ${placeholderRows('sqlite', 1, request.keyIds.length)}`
    const found = statement(text).get(...request.keyIds) as { n: number }
    if (found.n !== request.keyIds.length) throw new NotWritten('key-destroyed')
  }
  const width = EVENT_COLUMNS.length
  const rows = request.parameters.length / width
  for (let i = 0; i < rows; i += chunk) {
    const n = Math.min(chunk, rows - i)
    statement(insertEventsStatement(setup.tables.events, 'sqlite', n, insertTexts)).run(
      request.parameters.slice(i * width, (i + n) * width),
    )
  }
  for (const chain of request.chains)
    statement(moveHeadText).run(chain.lastHash, chain.chainId, chain.expectSeq + chain.count)
})

serveWorkerRequests<WriterRequest, WriterReplies[keyof WriterReplies]>(async (request) => {
  switch (request.kind) {
    case 'ready':
      return true
    case 'append':
      try {
        append.immediate(request)
        return 'committed'
      } catch (error) {
        if (error instanceof NotWritten) return error.outcome
        throw error
      }
    case 'keys': {
      const keys = await ensureSubjectKeys(run, setup.tables.keys, 'sqlite', request.subjects)
      return [...keys.values()].map((key) => ({
        subjectId: key.subjectId,
        keyId: key.keyId,
        key: key.key.toString('base64'),
      }))
    }
    case 'checkpoint':
      await run(
        insertCheckpointStatement(setup.tables.checkpoints, 'sqlite'),
        checkpointParameters(request.checkpoint),
      )
      return true
  }
})
