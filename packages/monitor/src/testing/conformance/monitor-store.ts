import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import type { MonitorStore } from '../../store/monitor-store.js'

/** Options of {@link runMonitorStoreConformance}. */
export interface MonitorStoreConformanceOptions {
  /** Suite name, e.g. `kysely/sqlite`. */
  name: string
  /** A fresh, empty store per test. */
  create: () => Promise<MonitorStore>
  /** Opens a second store on the same data (another process); enables the durability test. */
  reopen?: () => Promise<MonitorStore>
  /** Called after each test. */
  cleanup?: () => Promise<void>
}

/** The behaviour every {@link MonitorStore} must have; call it inside a vitest file. */
export function runMonitorStoreConformance(options: MonitorStoreConformanceOptions): void {
  describe(`MonitorStore conformance: ${options.name}`, () => {
    let store: MonitorStore
    beforeEach(async () => {
      store = await options.create()
    })
    afterEach(async () => {
      await options.cleanup?.()
    })

    it('puts, replaces, lists in id order and deletes, per kind', async () => {
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
    })

    it('replaceAll swaps one kind only', async () => {
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
    })

    it('what was written is visible to another store on the same data', async () => {
      if (!options.reopen) return
      await store.put('silence', 's1', { endsAt: 5 })
      const other = await options.reopen()
      expect(await other.list('silence')).toEqual([{ id: 's1', body: { endsAt: 5 } }])
    })
  })
}
