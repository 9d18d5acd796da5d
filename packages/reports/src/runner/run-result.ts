import type { Cell } from '../render/values.js'

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
  /** Totals keyed by column, for the columns the report totals. */
  totals: Record<string, Cell>
}
