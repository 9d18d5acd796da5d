import type { StoredCheckpoint } from '../audit-store.js'

/** What the writer thread opens: the host's database file, with the host connection's settings. */
export interface WriterSetup {
  path: string
  /** `PRAGMA synchronous` of the host's connection (0–3), so commits are exactly as durable. */
  synchronous: number
  busyTimeoutMs: number
  tables: { events: string; chains: string; keys: string; checkpoints: string }
  /** The host's key that wraps subject keys, when it gave one. */
  keyWrappingKey?: Uint8Array | undefined
}

/** One chain of a write: where the writer expects its head, and where the head moves to. */
export interface WriterChain {
  chainId: string
  count: number
  /** The head this process sealed the rows on: written only if the chain still ends there. */
  expectSeq: number
  expectHash: string
  /** Chain hash of the chain's last row in this write. */
  lastHash: string
}

/** Rows sealed on predicted heads, committed by the writer thread with the appends around it. */
export interface AppendRequest {
  kind: 'append'
  chains: WriterChain[]
  /** Subject keys the rows were sealed with: written only if none was destroyed meanwhile. */
  keyIds: string[]
  /** The rows' values, {@link EVENT_COLUMNS} per row. */
  parameters: unknown[]
  /** Another append follows at once: the thread keeps its transaction open for it. */
  more: boolean
}

/** What the host thread asks of the writer thread. */
export type WriterRequest =
  | { kind: 'ready' }
  | AppendRequest
  /** Commit the open transaction now: the append announced by `more` is not coming. */
  | { kind: 'flush' }
  | { kind: 'keys'; subjects: string[] }
  | { kind: 'checkpoint'; checkpoint: StoredCheckpoint }

/**
 * How an append ended: `committed`; or nothing written because a chain head is not where this
 * process predicted (another writer went first) or a subject key was destroyed.
 */
export type AppendOutcome = 'committed' | 'head-moved' | 'key-destroyed'

/** A subject key as sent between the threads (key material base64). */
export interface WireKey {
  subjectId: string
  keyId: string
  key: string
}

/** The writer thread's answers, per request kind. */
export interface WriterReplies {
  ready: true
  append: AppendOutcome
  keys: WireKey[]
  checkpoint: true
  flush: true
}
