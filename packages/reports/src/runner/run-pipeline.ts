import { createHash } from 'node:crypto'
import { PassThrough, pipeline, Transform } from 'node:stream'
import { isOpskitError, parseInput, uuidv7 } from '@opskit/core'
import type { ReportDefinition } from '../definition/report-definition.js'
import { ReportsError } from '../errors/reports-error.js'
import type { Renderer } from '../render/renderer.js'
import type { ReportRef } from '../reports-types.js'
import { artifactKey } from '../storage/artifact-keys.js'
import type { RunRecord } from '../store/reports-store.js'
import { invalidParams } from '../validation/reports-schemas.js'
import { createRenderInput } from './render-input.js'
import { streamRows } from './row-source.js'
import type { RunContext } from './run-context.js'
import type { RunResult } from './run-result.js'

/** A report ready to render: its definition, renderer and parsed parameters. */
export interface PreparedRun {
  definition: ReportDefinition<unknown, unknown>
  renderer: Renderer
  params: Record<string, unknown>
  /** The resolved tenant of the run (`''` for none). */
  tenantId: string
}

/** What a run may carry besides its report. */
export interface RunExtras {
  /** Run id to use (exports and schedules pick it before the run starts). */
  id?: string | undefined
  scheduleId?: string | undefined
  signal?: AbortSignal | undefined
  onProgress?: ((rows: number) => void) | undefined
}

/**
 * Resolves the report and the renderer and parses the parameters; throws before anything is
 * written (`REPORTS_CLOSED`, `REPORTS_NOT_FOUND`, `REPORTS_FORMAT_UNAVAILABLE`, `REPORTS_INVALID_PARAMS`).
 * `tenantId` is already resolved by the caller's tenant scope.
 */
export function prepareRun(
  context: RunContext,
  report: ReportRef,
  params: unknown,
  format: string,
  tenantId: string,
): PreparedRun {
  context.assertOpen()
  const definition = context.registry.resolve(report)
  const renderer = context.renderers.get(format)
  if (!renderer) {
    throw new ReportsError(
      'REPORTS_FORMAT_UNAVAILABLE',
      `format "${format}" is not available (have: ${[...context.renderers.keys()].join(', ')})`,
      { details: { format } },
    )
  }
  const parsed = parseInput(definition.params, params, invalidParams) as Record<string, unknown>
  return { definition, renderer, params: parsed, tenantId }
}

/** Renders a prepared report into `out` (which the renderer ends); returns the render input. */
export async function renderRun(
  context: RunContext,
  prepared: PreparedRun,
  out: PassThrough,
  extras: Pick<RunExtras, 'signal' | 'onProgress'>,
) {
  const now = new Date(context.clock.now())
  const source = await prepared.definition.query(context.db, prepared.params, {
    timeZone: context.timeZone,
    now,
    tenantId: prepared.tenantId,
    stream: (query) => streamRows(query, context.readDb),
  })
  const onProgress = extras.onProgress
  const input = createRenderInput({
    definition: prepared.definition,
    params: prepared.params,
    rows: streamRows(source, context.readDb),
    generatedAt: now,
    locale: context.locale,
    timeZone: context.timeZone,
    signal: extras.signal,
    onProgress: onProgress && ((progress) => onProgress(progress.rows)),
  })
  await prepared.renderer.render(input, out)
  return input
}

/** A pass-through that hashes (SHA-256) and counts the bytes on their way to storage. */
function hashingCounter() {
  const hash = createHash('sha256')
  let bytes = 0
  const transform = new Transform({
    highWaterMark: 64 * 1024,
    transform(chunk: Buffer, _encoding, callback) {
      hash.update(chunk)
      bytes += chunk.length
      callback(null, chunk)
    },
  })
  return { transform, bytes: () => bytes, digest: () => hash.digest('hex') }
}

function messageOf(reason: unknown): string {
  return String((reason as Error)?.message ?? reason)
}

/** The history row of a run that has just started. */
function startedRun(prepared: PreparedRun, id: string, startedAt: number, extras: RunExtras): RunRecord {
  const { definition, renderer } = prepared
  return {
    id,
    tenantId: prepared.tenantId,
    report: definition.name,
    format: renderer.format,
    params: prepared.params,
    status: 'running',
    rows: 0,
    bytes: 0,
    sha256: null,
    durationMs: 0,
    error: null,
    storageKey: artifactKey(prepared.tenantId, id, renderer.extension),
    filename: `${definition.name}-${new Date(startedAt).toISOString().slice(0, 10)}-${id.slice(-8)}.${renderer.extension}`,
    contentType: renderer.contentType,
    scheduleId: extras.scheduleId ?? null,
    startedAt: new Date(startedAt),
    finishedAt: null,
  }
}

/**
 * Runs a prepared report into storage: records it `running`, streams the rendering through a
 * hashing counter into the storage adapter, and records it `succeeded` only once storage has the
 * whole file. On failure the partial object is deleted and the run recorded `failed` (or
 * `cancelled`), then `REPORTS_CANCELLED`, the report's own error, or `REPORTS_RENDER_FAILED` is thrown.
 */
export async function executeRun(
  context: RunContext,
  prepared: PreparedRun,
  extras: RunExtras = {},
): Promise<RunResult> {
  const { store, storage, clock } = context
  const id = extras.id ?? uuidv7()
  const startedAt = clock.now()
  const run = startedRun(prepared, id, startedAt, extras)
  const storageKey = run.storageKey as string
  await store.insertRun(run)
  const out = new PassThrough({ highWaterMark: 64 * 1024 })
  const counter = hashingCounter()
  pipeline(out, counter.transform, () => {})
  const stored = storage.write(storageKey, counter.transform, { contentType: run.contentType })
  const rendered = renderRun(context, prepared, out, extras).catch((error: unknown) => {
    out.destroy(error as Error)
    throw error
  })
  const [renderOutcome, storeOutcome] = await Promise.allSettled([rendered, stored])
  const durationMs = clock.now() - startedAt
  if (renderOutcome.status === 'rejected' || storeOutcome.status === 'rejected') {
    const reason =
      renderOutcome.status === 'rejected'
        ? renderOutcome.reason
        : (storeOutcome as PromiseRejectedResult).reason
    const cancelled = extras.signal?.aborted === true
    await storage.delete(storageKey).catch(() => {})
    await store.finishRun(prepared.tenantId, id, {
      status: cancelled ? 'cancelled' : 'failed',
      rows: 0,
      bytes: 0,
      sha256: null,
      durationMs,
      error: messageOf(reason),
      finishedAt: new Date(clock.now()),
    })
    context.logger.warn({ report: run.report, runId: id, err: reason }, 'report run failed')
    if (cancelled)
      throw new ReportsError('REPORTS_CANCELLED', `report run ${id} was cancelled`, { cause: reason })
    if (isOpskitError(reason) && reason.package === 'reports') throw reason
    throw new ReportsError('REPORTS_RENDER_FAILED', `report "${run.report}" failed: ${messageOf(reason)}`, {
      cause: reason,
      details: { runId: id },
    })
  }
  const input = renderOutcome.value
  const sha256 = counter.digest()
  const rows = input.rowCount()
  await store.finishRun(prepared.tenantId, id, {
    status: 'succeeded',
    rows,
    bytes: counter.bytes(),
    sha256,
    durationMs,
    error: null,
    finishedAt: new Date(clock.now()),
  })
  const totals: RunResult['totals'] = input.totalLines().map((line) => ({
    currency: line.currency,
    values: Object.fromEntries(
      prepared.definition.columns.flatMap((column, index) =>
        input.totalKinds[column.key] ? [[column.key, line.cells[index] ?? null]] : [],
      ),
    ),
  }))
  return { artifactId: id, rows, bytes: counter.bytes(), durationMs, sha256, totals }
}
