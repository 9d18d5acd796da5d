import type { KeyObject } from 'node:crypto'
import { type Checkpoint, checkpointSignedBy, parseCheckpoint } from '../checkpoint/checkpoint.js'
import { chainHash, GENESIS_HASH, leafHash } from '../event/canonical.js'
import { type EventBody, storedRow } from '../event/event-body.js'
import type { AuditStore, StoredCheckpoint, StoredEventRow } from '../store/audit-store.js'

/** One problem `verify` found, at the seq it concerns. */
export interface VerifyFailure {
  /** The chain (tenant id, or `''` for the default chain). */
  chainId: string
  /** The first seq the problem concerns. */
  seq: number
  /** What is wrong, for a human. */
  reason: string
  /** Machine-readable kind of problem. */
  kind:
    | 'modified'
    | 'rewritten'
    | 'missing'
    | 'inserted'
    | 'reordered'
    | 'truncated'
    | 'head-mismatch'
    | 'checkpoint-mismatch'
    | 'bad-signature'
}

/** What verifying one chain found. */
export interface ChainVerification {
  chainId: string
  /** Events whose hashes were recomputed. */
  checked: number
  /** Seq of the last event present (the anchor's seq when all were retained away). */
  headSeq: number
  failures: VerifyFailure[]
}

const COLUMN_FIELDS = [
  'id',
  'chainId',
  'tenantId',
  'occurredAt',
  'recordedAt',
  'actorId',
  'action',
  'category',
  'outcome',
  'severity',
  'targetType',
  'targetId',
] as const

const PAGE = 2_000

/** Verifies one chain of `store` from its anchor (or genesis) to its head; see `AuditLog.verify`. */
export async function verifyChain(
  store: AuditStore,
  chainId: string,
  options: { from?: number; to?: number; publicKey?: KeyObject; checkpoints?: Checkpoint[] },
): Promise<ChainVerification> {
  const failures: VerifyFailure[] = []
  const failed = new Set<number>()
  const fail = (seq: number, kind: VerifyFailure['kind'], reason: string) => {
    if (failed.has(seq) && kind !== 'bad-signature') return
    failed.add(seq)
    failures.push({ chainId, seq, kind, reason })
  }

  // A stored checkpoint or anchor whose text is malformed, disagrees with its row, or lacks a valid
  // signature is reported, never trusted and never thrown.
  const checkStoredText = (item: StoredCheckpoint, what: string) => {
    let parsed: Checkpoint
    try {
      parsed = parseCheckpoint(item.text)
    } catch {
      fail(item.seq, 'bad-signature', `${what} at ${item.seq} is not a valid checkpoint`)
      return
    }
    if (parsed.size !== item.seq || parsed.rootHash !== item.hash)
      fail(item.seq, 'bad-signature', `${what} at ${item.seq} does not match its signed text`)
    else if (options.publicKey && !checkpointSignedBy(parsed, options.publicKey))
      fail(item.seq, 'bad-signature', `${what} at ${item.seq} is not signed by the given key`)
  }

  const anchor = await store.anchor(chainId)
  let expected = (anchor?.seq ?? 0) + 1
  let prevHash = anchor?.hash ?? GENESIS_HASH
  if (anchor) checkStoredText(anchor, 'retention anchor')
  if (options.from !== undefined && options.from > expected) {
    const [before] = await store.readChain(chainId, {
      afterSeq: options.from - 2,
      toSeq: options.from - 1,
      limit: 1,
    })
    if (before) {
      expected = before.seq + 1
      prevHash = before.hash
    }
  }

  const stored = await store.checkpoints(chainId)
  const external = options.checkpoints ?? []
  const wanted = new Map<number, string>()
  for (const checkpoint of [...stored.map((item) => ({ size: item.seq, rootHash: item.hash })), ...external])
    wanted.set(checkpoint.size, '')

  let prevPrevHash: string | undefined
  let lastOffset = 0
  let lastSeq = anchor?.seq ?? 0
  let checked = 0
  let afterSeq = expected - 1
  for (;;) {
    const rows = await store.readChain(chainId, { afterSeq, toSeq: options.to, limit: PAGE })
    for (const row of rows) {
      checked++
      const gap = row.seq !== expected
      if (gap)
        fail(
          expected,
          'missing',
          row.seq === expected + 1
            ? `event ${expected} is missing (deleted)`
            : `events ${expected}..${row.seq - 1} are missing (deleted)`,
        )
      const problem = inspectRow(row)
      let offset = 0
      if (problem?.kind === 'modified') fail(row.seq, 'modified', problem.reason)
      else if (problem?.kind === 'reordered') {
        offset = problem.offset
        if (offset !== lastOffset) fail(row.seq, 'reordered', problem.reason)
      }
      const leaf = leafHash(row.body)
      if (!problem && chainHash(row.prevHash, leaf) !== row.hash)
        fail(row.seq, 'modified', `chain hash of event ${row.seq} does not match its content`)
      if (!gap && row.prevHash !== prevHash && problem?.kind !== 'modified') {
        if (prevPrevHash !== undefined && row.prevHash === prevPrevHash)
          fail(
            row.seq - 1,
            'inserted',
            `event ${row.seq - 1} was inserted: event ${row.seq} chains to the event before it`,
          )
        else if (!problem)
          fail(
            row.seq - 1,
            'rewritten',
            `event ${row.seq - 1} was rewritten: its hash differs from the one event ${row.seq} committed to`,
          )
      }
      lastOffset = offset
      prevPrevHash = prevHash
      prevHash = row.hash
      expected = row.seq + 1
      lastSeq = row.seq
      if (wanted.has(row.seq)) wanted.set(row.seq, row.hash)
    }
    if (rows.length < PAGE) break
    afterSeq = (rows[rows.length - 1] as StoredEventRow).seq
  }

  if (options.to === undefined) {
    const [head] = await store.heads(chainId)
    if (head && head.seq > lastSeq)
      fail(
        lastSeq + 1,
        'truncated',
        `events ${lastSeq + 1}..${head.seq} are missing: the chain head says ${head.seq}`,
      )
    else if (head && head.seq === lastSeq && lastSeq > 0 && head.hash !== prevHash)
      fail(lastSeq, 'head-mismatch', `the chain head's hash differs from the hash of event ${lastSeq}`)
  }

  const checkAgainst = (size: number, rootHash: string, what: string) => {
    if (size <= (anchor?.seq ?? 0) || (options.from !== undefined && size < options.from)) return
    if (options.to !== undefined && size > options.to) return
    if (size > lastSeq) {
      fail(lastSeq + 1, 'truncated', `${what} covers ${size} events but the trail ends at ${lastSeq}`)
      return
    }
    const actual = wanted.get(size)
    if (actual !== undefined && actual !== '' && actual !== rootHash)
      fail(size, 'checkpoint-mismatch', `${what} at ${size} does not match the chain: history was rewritten`)
  }
  for (const checkpoint of stored) {
    checkAgainst(checkpoint.seq, checkpoint.hash, 'stored checkpoint')
    if (options.publicKey && !checkpointSignedBy(parseCheckpoint(checkpoint.text), options.publicKey))
      fail(
        checkpoint.seq,
        'bad-signature',
        `stored checkpoint at ${checkpoint.seq} is not signed by the given key`,
      )
  }
  for (const checkpoint of external) {
    checkAgainst(checkpoint.size, checkpoint.rootHash, 'the given checkpoint')
    if (options.publicKey && !checkpointSignedBy(checkpoint, options.publicKey))
      fail(
        checkpoint.size,
        'bad-signature',
        `the given checkpoint at ${checkpoint.size} is not signed by the given key`,
      )
  }
  failures.sort((a, b) => a.seq - b.seq)
  return { chainId, checked, headSeq: lastSeq, failures }
}

function inspectRow(
  row: StoredEventRow,
): { kind: 'modified'; reason: string } | { kind: 'reordered'; reason: string; offset: number } | undefined {
  if (leafHash(row.body) !== row.leafHash)
    return {
      kind: 'modified',
      reason: `event ${row.seq} was modified: its content does not match its leaf hash`,
    }
  let body: EventBody
  try {
    body = JSON.parse(row.body) as EventBody
  } catch {
    return { kind: 'modified', reason: `event ${row.seq} has an unreadable body` }
  }
  const columns = storedRow(
    body,
    { id: body.id, chainId: body.chain, seq: body.seq, recordedAt: body.recordedAt },
    row.body,
    row.leafHash,
    row.prevHash,
    row.hash,
  )
  if (columns.seq !== row.seq)
    return {
      kind: 'reordered',
      offset: row.seq - columns.seq,
      reason: `event ${row.seq} holds the hashed content of event ${columns.seq}: rows were moved`,
    }
  for (const field of COLUMN_FIELDS) {
    if (columns[field] !== row[field])
      return {
        kind: 'modified',
        reason: `event ${row.seq} was modified: column ${field} differs from the hashed event`,
      }
  }
  return undefined
}
