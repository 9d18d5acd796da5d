import { createInProcessHistoryStore } from '../history/in-process-history-store.js'
import type { MonitorHistoryStore } from '../store/history-store.js'

/**
 * The history part of the memory monitor store (SLO counts, recording rules' history), lost with
 * the process; `isClosed` makes calls fail with `MONITOR_CLOSED` once the store is closed.
 */
export function createMemoryHistoryStore(isClosed: () => boolean): MonitorHistoryStore {
  return createInProcessHistoryStore(isClosed)
}
