import { parseInput, uuidv7 } from '@opskit/core'
import { ReportsError } from '../errors/reports-error.js'
import type { ExportInput } from '../reports-types.js'
import { exportInputSchema, invalidParams } from '../validation/reports-schemas.js'
import { ExportJob } from './export-job.js'
import type { RunContext } from './run-context.js'
import { executeRun, prepareRun } from './run-pipeline.js'
import type { Semaphore } from './semaphore.js'

/** What exports need besides the run context. */
export interface ExportContext extends RunContext {
  /** At most `exportConcurrency` exports hold a slot. */
  slots: Semaphore
  /** Controllers of the exports in progress; `close()` aborts them. */
  controllers: Set<AbortController>
}

/**
 * Starts a background export of a report: parameters are checked now, the run waits for an
 * export slot (cancellable while queued), reports progress (with the definition's estimate) and
 * resolves `done` with the run result.
 */
export function startExport<I>(context: ExportContext, input: ExportInput<I>): ExportJob {
  context.assertOpen()
  const { entity, tenantId, ...rest } = input
  const tenant = context.tenantOf(tenantId)
  if (typeof entity === 'string' ? entity.length === 0 : typeof entity?.name !== 'string')
    throw invalidParams('entity: must be a report definition or a report name', [])
  const parsed = parseInput(exportInputSchema, rest, invalidParams)
  const prepared = prepareRun(context, entity, parsed.filters ?? {}, parsed.format, tenant)
  const controller = new AbortController()
  context.controllers.add(controller)
  const id = uuidv7()
  return new ExportJob(id, controller, async (job) => {
    try {
      const release = await context.slots.acquire(controller.signal).catch((reason: unknown) => {
        throw new ReportsError('REPORTS_CANCELLED', `export ${id} was cancelled while queued`, {
          cause: reason,
        })
      })
      try {
        const estimated = prepared.definition.estimate
          ? await prepared.definition.estimate(context.db, prepared.params)
          : null
        job.emit('progress', { rows: 0, estimated })
        const result = await executeRun(context, prepared, {
          id,
          signal: controller.signal,
          onProgress: (rows) => job.emit('progress', { rows, estimated }),
        })
        job.emit('progress', { rows: result.rows, estimated })
        return result
      } finally {
        release()
      }
    } finally {
      context.controllers.delete(controller)
    }
  })
}
