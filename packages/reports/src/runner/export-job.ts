import { EventEmitter } from 'node:events'
import type { RunResult } from './run-result.js'

/** Progress of an export job. */
export interface ExportProgress {
  /** Rows written so far. */
  rows: number
  /** Estimated total rows, when the report can estimate it. */
  estimated: number | null
}

/** Events of an {@link ExportJob}. */
export interface ExportJobEvents {
  progress: [ExportProgress]
}

/**
 * A background export: `progress` events while rows are written, `cancel()`, and `done`, which
 * resolves with the run result or rejects (with `REPORTS_CANCELLED` when cancelled).
 */
export class ExportJob extends EventEmitter<ExportJobEvents> {
  /** The run id (the artifact id once done). */
  readonly id: string
  /** Settles when the export ends. */
  readonly done: Promise<RunResult>
  private readonly controller: AbortController

  /** @internal Built by `reports.export()`. */
  constructor(id: string, controller: AbortController, start: (job: ExportJob) => Promise<RunResult>) {
    super()
    this.id = id
    this.controller = controller
    this.done = start(this)
    // Unobserved failures must not crash the host; `done` still rejects for whoever awaits it.
    this.done.catch(() => {})
  }

  /** Stops the export; `done` rejects with `REPORTS_CANCELLED` and no artifact is kept. */
  cancel(): void {
    this.controller.abort()
  }
}
