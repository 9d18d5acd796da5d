import type { KeyObject } from 'node:crypto'
import { type Checkpoint, checkpointSignedBy, parseCheckpoint } from '../checkpoint/checkpoint.js'
import {
  parseRetentionStatement,
  type RetentionStatement,
  retentionSignedBy,
} from '../checkpoint/retention-statement.js'
import type { StoredCheckpoint } from '../store/audit-store.js'
import type { VerifyCaveat, VerifyFailure } from './verify-types.js'

/** Records kept outside the database for one chain, as the host passed them to `verify`. */
export interface OutsideRecords {
  checkpoints: readonly Checkpoint[]
  retentions: readonly RetentionStatement[]
}

/** What the record checks of one chain need: its identity, the key, and where to report. */
export interface RecordContext {
  chainId: string
  /** The origin this chain's checkpoints and retention statements carry. */
  origin: string
  publicKey?: KeyObject | undefined
  /** This chain's outside records; `undefined` when the host passed no outside records at all. */
  outside?: OutsideRecords | undefined
  fail(seq: number, kind: VerifyFailure['kind'], reason: string): void
  caveat(seq: number, kind: VerifyCaveat['kind'], reason: string): void
}

/** A claim "the chain hash at `size` is `rootHash`" made by a checkpoint or retention statement. */
export interface HashClaim {
  size: number
  rootHash: string
  /** For messages: `stored checkpoint`, `the given checkpoint`, `the given retention statement`. */
  what: string
  source: 'stored' | 'outside-checkpoint' | 'outside-retention'
}

/**
 * Checks the chain's retention anchor: it must be a retention statement of this very chain (a
 * checkpoint, another chain's statement or a row moved to another seq is a forged anchor), signed
 * by the key, and, when the host passed outside records, one of the outside retention statements.
 * Without outside records (or without a key) it says so as a caveat: a forged anchor cannot be
 * ruled out then.
 */
export function checkAnchor(anchor: StoredCheckpoint, ctx: RecordContext): void {
  const at = anchor.seq
  let statement: RetentionStatement
  try {
    statement = parseRetentionStatement(anchor.text)
  } catch {
    ctx.fail(
      at,
      'forged-anchor',
      `retention anchor at ${at} is not a retention statement (a checkpoint or other text cannot stand in for one): events up to ${at} may have been deleted without sanction`,
    )
    return
  }
  if (statement.origin !== ctx.origin) {
    ctx.fail(
      at,
      'forged-anchor',
      `retention anchor at ${at} is a retention statement of another log ("${statement.origin}")`,
    )
    return
  }
  if (statement.size !== at || statement.rootHash !== anchor.hash) {
    ctx.fail(
      at,
      'forged-anchor',
      `retention anchor at ${at} does not match its signed text (seq ${statement.size}): it was moved or altered`,
    )
    return
  }
  if (ctx.publicKey && !retentionSignedBy(statement, ctx.publicKey)) {
    ctx.fail(at, 'bad-signature', `retention anchor at ${at} is not signed by the given key`)
    return
  }
  if (!ctx.publicKey)
    ctx.caveat(
      at,
      'anchor-unsigned',
      `retention anchor at ${at}: no public key was given, so its signature was not checked`,
    )
  if (ctx.outside === undefined) {
    ctx.caveat(
      at,
      'anchor-unconfirmed',
      `retention anchor at ${at}: no outside records were given, so a forged anchor cannot be ruled out (pass the retention statements onCheckpoint received)`,
    )
    return
  }
  const confirmed = ctx.outside.retentions.some(
    (outside) => outside.size === at && outside.rootHash === anchor.hash,
  )
  if (!confirmed)
    ctx.fail(
      at,
      'forged-anchor',
      `retention anchor at ${at} is not among the outside retention statements: events up to ${at} may have been deleted without sanction`,
    )
}

/**
 * Reads the stored checkpoints: each row's text must parse, belong to this chain and match the
 * row's columns, and be signed by the key when one is given. Returns the claims the signed texts
 * make (the text, not the columns, is what counts).
 */
export function storedClaims(stored: readonly StoredCheckpoint[], ctx: RecordContext): HashClaim[] {
  const claims: HashClaim[] = []
  for (const row of stored) {
    let parsed: Checkpoint
    try {
      parsed = parseCheckpoint(row.text)
    } catch {
      ctx.fail(row.seq, 'bad-checkpoint', `stored checkpoint at ${row.seq} is not a valid checkpoint`)
      continue
    }
    if (parsed.origin !== ctx.origin) {
      ctx.fail(
        row.seq,
        'bad-checkpoint',
        `stored checkpoint at ${row.seq} belongs to another log ("${parsed.origin}")`,
      )
      continue
    }
    if (parsed.size !== row.seq || parsed.rootHash !== row.hash)
      ctx.fail(row.seq, 'bad-checkpoint', `stored checkpoint at ${row.seq} does not match its signed text`)
    if (ctx.publicKey && !checkpointSignedBy(parsed, ctx.publicKey))
      ctx.fail(
        parsed.size,
        'bad-signature',
        `stored checkpoint at ${parsed.size} is not signed by the given key`,
      )
    claims.push({ size: parsed.size, rootHash: parsed.rootHash, what: 'stored checkpoint', source: 'stored' })
  }
  return claims
}

/** The claims of the outside records, each checked against the key when one is given. */
export function outsideClaims(ctx: RecordContext): HashClaim[] {
  const claims: HashClaim[] = []
  for (const checkpoint of ctx.outside?.checkpoints ?? []) {
    if (ctx.publicKey && !checkpointSignedBy(checkpoint, ctx.publicKey))
      ctx.fail(
        checkpoint.size,
        'bad-signature',
        `the given checkpoint at ${checkpoint.size} is not signed by the given key`,
      )
    claims.push({ ...pick(checkpoint), what: 'the given checkpoint', source: 'outside-checkpoint' })
  }
  for (const statement of ctx.outside?.retentions ?? []) {
    if (ctx.publicKey && !retentionSignedBy(statement, ctx.publicKey))
      ctx.fail(
        statement.size,
        'bad-signature',
        `the given retention statement at ${statement.size} is not signed by the given key`,
      )
    claims.push({ ...pick(statement), what: 'the given retention statement', source: 'outside-retention' })
  }
  return claims
}

function pick(record: { size: number; rootHash: string }) {
  return { size: record.size, rootHash: record.rootHash }
}

/** Where the walk ended and what it saw, for {@link checkClaim}. */
export interface WalkedChain {
  anchor?: { seq: number; hash: string } | undefined
  /** Seq of the last event present. */
  lastSeq: number
  /** Chain hashes of the events at the claimed sizes (`''` when the event is absent). */
  hashAt: ReadonlyMap<number, string>
  from?: number | undefined
  to?: number | undefined
}

/**
 * Holds one claim against the walked chain: at or after the anchor it must agree with the chain
 * (or the anchor); an outside checkpoint before the anchor must be explained by an outside
 * retention statement at or after it (and not past the anchor).
 */
export function checkClaim(claim: HashClaim, chain: WalkedChain, ctx: RecordContext): void {
  const { size, rootHash, what } = claim
  if (size === 0 || (chain.from !== undefined && size < chain.from)) return
  if (chain.to !== undefined && size > chain.to) return
  const anchorSeq = chain.anchor?.seq ?? 0
  if (size < anchorSeq) {
    if (claim.source !== 'outside-checkpoint') return
    const explained = (ctx.outside?.retentions ?? []).some(
      (statement) =>
        statement.size >= size &&
        statement.size <= anchorSeq &&
        (statement.size < anchorSeq || statement.rootHash === chain.anchor?.hash) &&
        (!ctx.publicKey || retentionSignedBy(statement, ctx.publicKey)),
    )
    if (!explained)
      ctx.fail(
        size,
        'missing',
        `${what} at ${size} lies before the retention anchor at ${anchorSeq} and no outside retention statement explains why its events are gone`,
      )
    return
  }
  if (size === anchorSeq) {
    if (chain.anchor && rootHash !== chain.anchor.hash)
      ctx.fail(size, 'checkpoint-mismatch', `${what} at ${size} does not match the retention anchor there`)
    return
  }
  if (size > chain.lastSeq) {
    ctx.fail(
      chain.lastSeq + 1,
      'truncated',
      `${what} covers ${size} events but the trail ends at ${chain.lastSeq}`,
    )
    return
  }
  // '' marks a claimed seq whose event is absent: that gap is reported by the walk.
  const actual = chain.hashAt.get(size)
  if (actual && actual !== rootHash)
    ctx.fail(
      size,
      'checkpoint-mismatch',
      `${what} at ${size} does not match the chain: history was rewritten`,
    )
}
