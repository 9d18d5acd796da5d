import type { MonitorStore, StateDocument, StateKind } from '../store/monitor-store.js'

/** An in-memory {@link MonitorStore} (state is lost on restart): the default without `db`. */
export function createMemoryMonitorStore(): MonitorStore {
  const data = new Map<StateKind, Map<string, string>>()
  const kindMap = (kind: StateKind) => {
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
      const m = new Map<string, string>()
      for (const d of documents) m.set(d.id, JSON.stringify(d.body))
      data.set(kind, m)
    },
  }
}
