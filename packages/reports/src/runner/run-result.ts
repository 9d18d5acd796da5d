import type { Cell } from '../render/values.js'

/** One totals line of a run: a report has one per currency when its money carries a per-row currency. */
export interface RunTotals {
  /** The currency of the line's money totals, or `null` when there is none. */
  currency: string | null
  /** The totals keyed by column, for the columns the report totals. */
  values: Record<string, Cell>
}

/** What `run` returns. */
export interface RunResult {
  /** The run id; use it for download links. */
  artifactId: string
  /** Rows rendered. */
  rows: number
  /** Bytes stored. */
  bytes: number
  /** Wall time of the run. */
  durationMs: number
  /** SHA-256 of the stored file (hex). */
  sha256: string
  /**
   * The totals lines, one per currency (sorted by code); empty when the report has no totals.
   * Money is never summed across currencies.
   */
  totals: RunTotals[]
}
