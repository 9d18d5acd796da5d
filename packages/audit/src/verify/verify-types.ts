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
    | 'bad-checkpoint'
    | 'bad-signature'
    | 'forged-anchor'
}

/**
 * Something `verify` could not rule out with what it was given (not a failure): a retention
 * anchor without outside records to confirm it (`anchor-unconfirmed`), or without a public key
 * to check its signature (`anchor-unsigned`).
 */
export interface VerifyCaveat {
  chainId: string
  /** The anchor's seq. */
  seq: number
  kind: 'anchor-unconfirmed' | 'anchor-unsigned'
  reason: string
}

/** What verifying one chain found. */
export interface ChainVerification {
  chainId: string
  /** Events whose hashes were recomputed. */
  checked: number
  /** Seq of the last event present (the anchor's seq when all were retained away). */
  headSeq: number
  failures: VerifyFailure[]
  caveats: VerifyCaveat[]
}
