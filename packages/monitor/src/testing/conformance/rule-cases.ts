import type { StoreConformanceCase } from '@opskit/core/testing'
import { expect } from 'vitest'
import type { MonitorStore } from '../../store/monitor-store.js'

const high = { alert: 'High', expr: 'x > 1', for: '5m' }

/** Conformance of the rules created at run time: versions, conflicts, tombstones, revision. */
export const ruleCases: ReadonlyArray<StoreConformanceCase<MonitorStore>> = [
  {
    name: 'rules: create, get, list in name order, update with the current version',
    async run({ store }) {
      const created = await store.createRule('High', high)
      expect(created).toMatchObject({ name: 'High', version: 1, rule: high })
      await store.createRule('Alpha', { record: 'job:x:sum', expr: 'sum(x)' })
      expect((await store.listRules()).map((r) => r.name)).toEqual(['Alpha', 'High'])
      const updated = await store.updateRule('High', { ...high, expr: 'x > 2' }, 1)
      expect(updated).toMatchObject({ version: 2, rule: { expr: 'x > 2' } })
      expect(await store.getRule('High')).toMatchObject({ version: 2, rule: { expr: 'x > 2' } })
      expect(await store.getRule('missing')).toBeUndefined()
    },
  },
  {
    name: 'rules: a stale version, a taken name and a missing rule are typed errors that change nothing',
    async run({ store }) {
      await store.createRule('High', high)
      await store.updateRule('High', { ...high, expr: 'x > 2' }, 1)
      await expect(store.updateRule('High', { ...high, expr: 'x > 3' }, 1)).rejects.toMatchObject({
        code: 'MONITOR_CONFLICT',
      })
      await expect(store.deleteRule('High', 1)).rejects.toMatchObject({ code: 'MONITOR_CONFLICT' })
      await expect(store.createRule('High', high)).rejects.toMatchObject({ code: 'MONITOR_CONFLICT' })
      await expect(store.updateRule('Nope', high, 1)).rejects.toMatchObject({ code: 'MONITOR_NOT_FOUND' })
      await expect(store.deleteRule('Nope')).rejects.toMatchObject({ code: 'MONITOR_NOT_FOUND' })
      expect(await store.getRule('High')).toMatchObject({ version: 2, rule: { expr: 'x > 2' } })
    },
  },
  {
    name: 'rules: the revision grows with every create, update and delete; a deleted name can be reused',
    async run({ store }) {
      const seen = [await store.rulesRevision()]
      await store.createRule('A', { ...high, alert: 'A' })
      seen.push(await store.rulesRevision())
      await store.createRule('B', { ...high, alert: 'B' })
      seen.push(await store.rulesRevision())
      await store.updateRule('A', { ...high, alert: 'A', expr: 'y' }, 1)
      seen.push(await store.rulesRevision())
      await store.deleteRule('B')
      seen.push(await store.rulesRevision())
      expect(await store.listRules()).toHaveLength(1)
      const again = await store.createRule('B', { ...high, alert: 'B' })
      seen.push(await store.rulesRevision())
      expect(again.version).toBe(3)
      for (let i = 1; i < seen.length; i++) expect(seen[i]).toBeGreaterThan(seen[i - 1] as number)
    },
  },
  {
    name: 'rules: what one store wrote, another on the same data lists, and its version is checked',
    needs: 'reopen',
    async run({ store, reopen }) {
      await store.createRule('High', high)
      const other = await reopen()
      expect(await other.listRules()).toEqual([expect.objectContaining({ name: 'High', version: 1 })])
      await other.updateRule('High', { ...high, expr: 'x > 9' }, 1)
      await expect(store.updateRule('High', high, 1)).rejects.toMatchObject({ code: 'MONITOR_CONFLICT' })
      expect(await store.rulesRevision()).toBe(await other.rulesRevision())
    },
  },
]
