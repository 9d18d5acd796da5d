import { runStoreConformance, type StoreConformanceOptions } from '@opskit/core/testing'
import { expect } from 'vitest'
import type { MonitorStore } from '../../store/monitor-store.js'
import { historyStoreCases } from './history-store.js'
import { incidentCases } from './incident-cases.js'
import { ruleCases } from './rule-cases.js'

/** Options of {@link runMonitorStoreConformance}: core's harness options for a {@link MonitorStore}. */
export type MonitorStoreConformanceOptions = StoreConformanceOptions<MonitorStore>

/**
 * The behaviour every {@link MonitorStore} must have, on core's `runStoreConformance`; call it
 * inside a vitest file. The durability cases need `reopen` (skipped without it). Covers documents,
 * rules created at run time (versions, conflicts) and incidents (tenant scoping, retention).
 */
export function runMonitorStoreConformance(options: MonitorStoreConformanceOptions): void {
  runStoreConformance<MonitorStore>('MonitorStore conformance', options, [
    {
      name: 'puts, replaces, lists in id order and deletes, per kind',
      async run({ store }) {
        await store.put('incident', 'b', { n: 2 })
        await store.put('incident', 'a', { n: 1, nested: { list: [1, 'x', null], text: 'é"\\' } })
        await store.put('silence', 'a', { other: true })
        await store.put('incident', 'b', { n: 3 })
        expect(await store.list('incident')).toEqual([
          { id: 'a', body: { n: 1, nested: { list: [1, 'x', null], text: 'é"\\' } } },
          { id: 'b', body: { n: 3 } },
        ])
        expect(await store.list('silence')).toEqual([{ id: 'a', body: { other: true } }])
        await store.delete('incident', 'a')
        await store.delete('incident', 'missing')
        expect((await store.list('incident')).map((d) => d.id)).toEqual(['b'])
        expect(await store.list('nflog')).toEqual([])
      },
    },
    {
      name: 'replaceAll swaps one kind only',
      async run({ store }) {
        await store.put('alert', 'x', 1)
        await store.put('nflog', 'k', { at: 1 })
        await store.replaceAll(
          'alert',
          Array.from({ length: 450 }, (_, i) => ({ id: `f${String(i).padStart(4, '0')}`, body: { i } })),
        )
        const alerts = await store.list<{ i: number }>('alert')
        expect(alerts).toHaveLength(450)
        expect(alerts[0]).toEqual({ id: 'f0000', body: { i: 0 } })
        expect(await store.list('nflog')).toEqual([{ id: 'k', body: { at: 1 } }])
        await store.replaceAll('alert', [])
        expect(await store.list('alert')).toEqual([])
      },
    },
    {
      name: 'what was written is visible to another store on the same data',
      needs: 'reopen',
      async run({ store, reopen }) {
        await store.put('silence', 's1', { endsAt: 5 })
        const other = await reopen()
        expect(await other.list('silence')).toEqual([{ id: 's1', body: { endsAt: 5 } }])
      },
    },
    {
      name: 'close() is idempotent and later calls are refused',
      async run({ store }) {
        await store.put('silence', 's1', { endsAt: 5 })
        await store.close()
        await store.close()
        await expect(store.list('silence')).rejects.toMatchObject({ code: 'MONITOR_CLOSED' })
        await expect(store.listRules()).rejects.toMatchObject({ code: 'MONITOR_CLOSED' })
        await expect(store.getIncident('', 'x')).rejects.toMatchObject({ code: 'MONITOR_CLOSED' })
      },
    },
    ...ruleCases,
    ...incidentCases,
    ...historyStoreCases,
  ])
}
