import type { StoreConformanceCase } from '@opskit/core/testing'
import { expect } from 'vitest'
import type { Incident } from '../../incidents/incident.js'
import type { MonitorStore } from '../../store/monitor-store.js'

/** An incident for the cases: `n` orders them (triggered at `n`, resolved at `n + 100`). */
function incident(id: string, n: number, status: Incident['status'] = 'resolved'): Incident {
  return {
    id,
    groupKey: `route:[["team","${id}"]]`,
    receiver: 'hook',
    groupLabels: { team: id },
    title: `T ${id}`,
    status,
    triggeredAt: n,
    ...(status === 'resolved' ? { resolvedAt: n + 100 } : {}),
    escalationLevel: 0,
    alerts: ['fp'],
    timeline: [{ at: n, type: 'triggered' }],
  }
}

const ids = (list: readonly Incident[]) => list.map((i) => i.id)

/** Conformance of incidents: tenant scoping (attacks included), ordering, retention batches. */
export const incidentCases: ReadonlyArray<StoreConformanceCase<MonitorStore>> = [
  {
    name: 'incidents: saved, replaced, read and listed newest first with filters, per tenant',
    async run({ store }) {
      await store.saveIncident('acme', incident('i1', 1))
      await store.saveIncident('acme', incident('i2', 2, 'triggered'))
      await store.saveIncident('acme', incident('i3', 3, 'acknowledged'))
      await store.saveIncident('', incident('n1', 4, 'triggered'))
      await store.saveIncident('acme', { ...incident('i2', 2, 'acknowledged'), acknowledgedBy: 'ana' })
      expect(await store.getIncident('acme', 'i2')).toMatchObject({
        status: 'acknowledged',
        acknowledgedBy: 'ana',
      })
      expect(ids(await store.listIncidents({ tenantId: 'acme', limit: 10 }))).toEqual(['i3', 'i2', 'i1'])
      expect(ids(await store.listIncidents({ tenantId: 'acme', limit: 2 }))).toEqual(['i3', 'i2'])
      expect(ids(await store.listIncidents({ tenantId: 'acme', status: 'resolved', limit: 9 }))).toEqual([
        'i1',
      ])
      expect(ids(await store.listIncidents({ tenantId: 'acme', from: 2, to: 3, limit: 9 }))).toEqual(['i2'])
      expect(ids(await store.listIncidents({ tenantId: '', limit: 9 }))).toEqual(['n1'])
      expect(ids(await store.openIncidents())).toEqual(['i2', 'i3', 'n1'])
      expect(ids(await store.openIncidents(101))).toEqual(['i1', 'i2', 'i3', 'n1'])
      expect(ids(await store.openIncidents(102))).toEqual(['i2', 'i3', 'n1'])
    },
  },
  {
    name: 'incidents: another tenant can neither read, list, overwrite nor purge them (attack)',
    async run({ store }) {
      await store.saveIncident('acme', incident('victim', 1))
      expect(await store.getIncident('evil', 'victim')).toBeUndefined()
      expect(await store.getIncident('', 'victim')).toBeUndefined()
      expect(await store.listIncidents({ tenantId: 'evil', limit: 100 })).toEqual([])
      // a save under another tenant with the victim's id leaves the victim's row as it was
      await store.saveIncident('evil', { ...incident('victim', 1), title: 'pwned', status: 'triggered' })
      expect(await store.getIncident('acme', 'victim')).toMatchObject({
        title: 'T victim',
        status: 'resolved',
      })
      expect(await store.getIncident('evil', 'victim')).toBeUndefined()
      expect(await store.purgeIncidents({ tenantId: 'evil', limit: 100 })).toBe(0)
      expect(await store.getIncident('acme', 'victim')).toBeDefined()
    },
  },
  {
    name: 'incidents: purge removes resolved ones only, by resolution time and keepLast per tenant, in batches',
    async run({ store }) {
      for (let n = 1; n <= 6; n++) await store.saveIncident('a', incident(`a${n}`, n))
      for (let n = 1; n <= 3; n++) await store.saveIncident('b', incident(`b${n}`, n))
      await store.saveIncident('a', incident('a-open', 0, 'triggered'))
      expect(await store.purgeIncidents({ cutoff: 104, limit: 2 })).toBe(2)
      expect(await store.purgeIncidents({ cutoff: 104, limit: 100 })).toBe(4)
      expect(ids(await store.listIncidents({ tenantId: 'a', limit: 9 }))).toEqual([
        'a6',
        'a5',
        'a4',
        'a-open',
      ])
      expect(ids(await store.listIncidents({ tenantId: 'b', limit: 9 }))).toEqual([])
      expect(await store.purgeIncidents({ tenantId: 'a', keepLast: 1, limit: 100 })).toBe(2)
      expect(ids(await store.listIncidents({ tenantId: 'a', limit: 9 }))).toEqual(['a6', 'a-open'])
      expect(await store.purgeIncidents({ keepLast: 0, limit: 100 })).toBe(1)
      expect(ids(await store.openIncidents())).toEqual(['a-open'])
    },
  },
  {
    name: 'notification log: purge removes entries written before the cutoff, except open incidents’',
    async run({ store }) {
      const open = incident('open', 1, 'triggered')
      await store.saveIncident('', open)
      await store.saveIncident('', incident('closed', 2))
      await store.put('nflog', `${open.groupKey}|hook|0`, { firing: ['fp'], resolved: [], at: 1 })
      await store.put('nflog', `${incident('closed', 2).groupKey}|hook|0`, {
        firing: [],
        resolved: [],
        at: 1,
      })
      await store.put('nflog', 'route:[]|other|0', { firing: [], resolved: [], at: 1 })
      expect(await store.purgeNotificationLog(Date.now() - 60_000, 100)).toBe(0)
      expect(await store.purgeNotificationLog(Date.now() + 60_000, 1)).toBe(1)
      expect(await store.purgeNotificationLog(Date.now() + 60_000, 100)).toBe(1)
      expect((await store.list('nflog')).map((d) => d.id)).toEqual([`${open.groupKey}|hook|0`])
    },
  },
  {
    name: 'incidents: another store on the same data reads them, per tenant',
    needs: 'reopen',
    async run({ store, reopen }) {
      await store.saveIncident('acme', incident('i1', 1, 'acknowledged'))
      const other = await reopen()
      expect(await other.getIncident('acme', 'i1')).toMatchObject({ status: 'acknowledged' })
      expect(await other.getIncident('evil', 'i1')).toBeUndefined()
    },
  },
]
