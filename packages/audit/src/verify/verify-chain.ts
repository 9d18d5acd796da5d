import type { KeyObject } from 'node:crypto'
import { chainHash, GENESIS_HASH, leafHash } from '../event/canonical.js'
import { type EventBody, storedRow } from '../event/event-body.js'
import type { AuditStore, StoredEventRow } from '../store/audit-store.js'
import {
  checkAnchor,
  checkClaim,
  type OutsideRecords,
  outsideClaims,
  type RecordContext,
  storedClaims,
} from './verify-records.js'
import type { ChainVerification, VerifyCaveat, VerifyFailure } from './verify-types.js'

export type { ChainVerification, VerifyCaveat, VerifyFailure } from './verify-types.js'

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

/** Options of {@link verifyChain}. */
export interface VerifyChainOptions {
  /** The origin of this chain's checkpoints and retention statements. */
  origin: string
  from?: number | undefined
  to?: number | undefined
  publicKey?: KeyObject | undefined
  /** This chain's outside records; `undefined` when the host passed none at all. */
  outside?: OutsideRecords | undefined
}

/**
 * Verifies one chain of `store` from its anchor (or genesis) to its head; see `AuditLog.verify`.
 * Reports what it reads, never throws on it: malformed rows, checkpoints and anchors are failures.
 */
export async function verifyChain(
  store: AuditStore,
  chainId: string,
  options: VerifyChainOptions,
): Promise<ChainVerification> {
  const failures: VerifyFailure[] = []
  const caveats: VerifyCaveat[] = []
  const failed = new Set<number>()
  const fail = (seq: number, kind: VerifyFailure['kind'], reason: string) => {
    if (failed.has(seq) && kind !== 'bad-signature') return
    failed.add(seq)
    failures.push({ chainId, seq, kind, reason })
  }
  const ctx: RecordContext = {
    chainId,
    origin: options.origin,
    publicKey: options.publicKey,
    outside: options.outside,
    fail,
    caveat: (seq, kind, reason) => caveats.push({ chainId, seq, kind, reason }),
  }

  const anchor = await store.anchor(chainId)
  if (anchor) checkAnchor(anchor, ctx)
  let expected = (anchor?.seq ?? 0) + 1
  let prevHash = anchor?.hash ?? GENESIS_HASH
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

  const claims = [...storedClaims(await store.checkpoints(chainId), ctx), ...outsideClaims(ctx)]
  const wanted = new Map<number, string>()
  for (const claim of claims) wanted.set(claim.size, '')

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

  const walked = {
    anchor,
    lastSeq,
    hashAt: wanted,
    from: options.from,
    to: options.to,
  }
  for (const claim of claims) checkClaim(claim, walked, ctx)
  failures.sort((a, b) => a.seq - b.seq)
  return { chainId, checked, headSeq: lastSeq, failures, caveats }
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
  if (typeof body !== 'object' || body === null || typeof body.actor !== 'object' || body.actor === null)
    return { kind: 'modified', reason: `event ${row.seq} has a body that is not an audit event` }
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
