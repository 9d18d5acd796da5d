import type { Clock } from '@opskit/core'
import type { SweepReport } from '../reports-types.js'
import { artifactKeyPrefix } from '../storage/artifact-keys.js'
import type { StorageAdapter } from '../storage/storage-adapter.js'
import type { DeletingRun, ReportsStore } from '../store/reports-store.js'

/** Rows read per round, and keys checked per lookup. */
const PAGE = 500
/** Object deletions in flight at once. */
const DELETE_CONCURRENCY = 16

/** Leftovers of interrupted writes are removed once nothing has touched them for this long. */
export const INCOMPLETE_WRITE_GRACE_MS = 24 * 3_600_000

interface SweepContext {
  store: ReportsStore
  storage: StorageAdapter
  clock: Clock
}

async function deleteObjects(storage: StorageAdapter, keys: readonly string[]): Promise<void> {
  for (let i = 0; i < keys.length; i += DELETE_CONCURRENCY)
    await Promise.all(keys.slice(i, i + DELETE_CONCURRENCY).map((key) => storage.delete(key)))
}

/**
 * Finishes runs marked for deletion: their objects first, then their rows (a crash in between
 * leaves the tombstone, which the next sweep finishes). Returns the rows this call deleted.
 */
async function finishMarkedRuns(
  { store, storage }: SweepContext,
  tenantId: string | undefined,
  signal: AbortSignal | undefined,
): Promise<number> {
  let removed = 0
  for (;;) {
    signal?.throwIfAborted()
    const marked: DeletingRun[] = await store.runsBeingDeleted({ tenantId, limit: PAGE })
    if (marked.length === 0) return removed
    await deleteObjects(
      storage,
      marked.flatMap((run) => (run.storageKey ? [run.storageKey] : [])),
    )
    const deleted = await store.deleteRunRows(marked)
    removed += deleted
    // Another process finished them first: what is left is theirs.
    if (marked.length < PAGE || deleted === 0) return removed
  }
}

/** Deletes the artifact objects (keys under `reports.`) that no run row names. */
async function deleteOrphanObjects(
  { store, storage }: SweepContext,
  tenantId: string | undefined,
  signal: AbortSignal | undefined,
): Promise<number> {
  let deleted = 0
  const settle = async (keys: string[]) => {
    if (keys.length === 0) return
    const named = await store.storageKeysInUse(keys)
    const orphans = keys.filter((key) => !named.has(key))
    await deleteObjects(storage, orphans)
    deleted += orphans.length
  }
  let page: string[] = []
  for await (const key of storage.list(artifactKeyPrefix(tenantId))) {
    page.push(key)
    if (page.length < PAGE) continue
    signal?.throwIfAborted()
    await settle(page)
    page = []
  }
  await settle(page)
  return deleted
}

/**
 * Reconciles storage with the run rows of one tenant (or all): finishes tombstoned runs and,
 * unless `orphans` is false, deletes artifact objects without a row and (where the adapter can)
 * leftovers of writes interrupted more than a day ago. An object is written only after its run
 * row exists, so an object without a row is never a run in progress.
 */
export async function sweepStorage(
  context: SweepContext,
  tenantId: string | undefined,
  signal: AbortSignal | undefined,
  orphans = true,
): Promise<SweepReport> {
  const finishedRuns = await finishMarkedRuns(context, tenantId, signal)
  if (!orphans) return { finishedRuns, orphanObjects: 0, incompleteWrites: 0 }
  const orphanObjects = await deleteOrphanObjects(context, tenantId, signal)
  const untouchedSince = new Date(context.clock.now() - INCOMPLETE_WRITE_GRACE_MS)
  const incompleteWrites =
    (await context.storage.sweepIncomplete?.(artifactKeyPrefix(tenantId), untouchedSince)) ?? 0
  return { finishedRuns, orphanObjects, incompleteWrites }
}
