import { MonitorError } from '../errors/monitor-error.js'
import { createLocalRuleStore } from '../store/local-rule-store.js'
import type { MonitorStore, StateDocument, StateKind } from '../store/monitor-store.js'
import { createMemoryHistoryStore } from './memory-history-store.js'
import { memoryIncidentStore } from './memory-incident-store.js'

/**
 * An in-memory {@link MonitorStore} for tests: state is lost with the process. (Without a `db`
 * or `store`, `createMonitor` keeps its state in its own objects and persists nothing.)
 */
export function createMemoryMonitorStore(): MonitorStore {
  const data = new Map<StateKind, Map<string, { body: string; updatedAt: number }>>()
  let closed = false
  const check = () => {
    if (closed) throw new MonitorError('MONITOR_CLOSED', 'the monitor store is closed')
  }
  const kindMap = (kind: StateKind) => {
    check()
    let m = data.get(kind)
    if (!m) {
      m = new Map()
      data.set(kind, m)
    }
    return m
  }
  const rules = createLocalRuleStore()
  const guarded = Object.fromEntries(
    Object.entries(rules).map(([name, method]) => [
      name,
      async (...args: unknown[]) => {
        check()
        return (method as (...a: unknown[]) => Promise<unknown>)(...args)
      },
    ]),
  ) as unknown as typeof rules
  return {
    ...createMemoryHistoryStore(() => closed),
    ...guarded,
    ...memoryIncidentStore(check, () => kindMap('nflog')),
    async put(kind, id, body) {
      kindMap(kind).set(id, { body: JSON.stringify(body), updatedAt: Date.now() })
    },
    async delete(kind, id) {
      kindMap(kind).delete(id)
    },
    async list<T>(kind: StateKind) {
      return [...kindMap(kind).entries()]
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([id, entry]) => ({ id, body: JSON.parse(entry.body) as T }))
    },
    async replaceAll(kind, documents: ReadonlyArray<StateDocument>) {
      kindMap(kind)
      const m = new Map<string, { body: string; updatedAt: number }>()
      const at = Date.now()
      for (const d of documents) m.set(d.id, { body: JSON.stringify(d.body), updatedAt: at })
      data.set(kind, m)
    },
    async close() {
      closed = true
      data.clear()
    },
  }
}
