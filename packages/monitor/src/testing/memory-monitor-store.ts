import { MonitorError } from '../errors/monitor-error.js'
import type { MonitorStore, StateDocument, StateKind } from '../store/monitor-store.js'

/**
 * An in-memory {@link MonitorStore} for tests: state is lost with the process. (Without a `db`
 * or `store`, `createMonitor` keeps its state in its own objects and persists nothing.)
 */
export function createMemoryMonitorStore(): MonitorStore {
  const data = new Map<StateKind, Map<string, string>>()
  let closed = false
  const kindMap = (kind: StateKind) => {
    if (closed) throw new MonitorError('MONITOR_CLOSED', 'the monitor store is closed')
    let m = data.get(kind)
    if (!m) {
      m = new Map()
      data.set(kind, m)
    }
    return m
  }
  return {
    async put(kind, id, body) {
      kindMap(kind).set(id, JSON.stringify(body))
    },
    async delete(kind, id) {
      kindMap(kind).delete(id)
    },
    async list<T>(kind: StateKind) {
      return [...kindMap(kind).entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([id, body]) => ({ id, body: JSON.parse(body) as T }))
    },
    async replaceAll(kind, documents: ReadonlyArray<StateDocument>) {
      kindMap(kind)
      const m = new Map<string, string>()
      for (const d of documents) m.set(d.id, JSON.stringify(d.body))
      data.set(kind, m)
    },
    async close() {
      closed = true
      data.clear()
    },
  }
}
