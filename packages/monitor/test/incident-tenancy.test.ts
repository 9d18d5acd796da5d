/**
 * Issue 21 §2 for the monitor: one monitor for many tenants' alerts. Each incident belongs to the
 * tenant its alerts carry (`tenantLabel`), and a caller of another tenant can neither list, read,
 * acknowledge, resolve, annotate nor purge it — tried as an attacker would, on the memory store
 * and on SQLite and PostgreSQL. Also: retention removes resolved incidents only.
 */
import { noopLogger } from '@opskit/core'
import { createFakeClock } from '@opskit/core/testing'
import { forEachDialect } from '@opskit/test-support'
import { describe, expect, it } from 'vitest'
import { createKyselyMonitorStore, createMonitor, type Monitor, type MonitorStore } from '../src/index.js'
import type { AlertsHooks } from '../src/monitor/alerts-types.js'
import { wireLeadership } from '../src/monitor/leadership.js'
import { createMemoryMonitorStore, createMockChannel } from '../src/testing/index.js'

interface Setup {
  monitor: Monitor
  clock: ReturnType<typeof createFakeClock>
  ids: { acme: string; evil: string }
}

/** A `required`-tenancy monitor with one open incident per tenant (both from one rule). */
async function setup(store: MonitorStore): Promise<Setup> {
  const clock = createFakeClock(Date.UTC(2026, 0, 1))
  const monitor = await createMonitor({
    serviceName: 'svc',
    clock,
    defaultMetrics: false,
    store,
    tenantMode: 'required',
    tenantLabel: 'tenant',
  })
  monitor.alerts.receiver('team', createMockChannel({ type: 'slack', clock }))
  // grouped by alertname only: the monitor adds the tenant, so the two tenants never share a group
  monitor.alerts.route({ receiver: 'team', groupBy: ['alertname'], groupWait: 0, groupInterval: '1m' })
  monitor.alerts.addRule({ name: 'Down', expr: 'up == 0' })
  monitor.alerts.samples.set('up', { tenant: 'acme', job: 'api' }, 0)
  monitor.alerts.samples.set('up', { tenant: 'evil', job: 'api' }, 0)
  await monitor.alerts.evaluate()
  await clock.advance(1000)
  const [acme] = await monitor.incidents.list({ tenantId: 'acme' })
  const [evil] = await monitor.incidents.list({ tenantId: 'evil' })
  expect(acme?.tenantId).toBe('acme')
  expect(evil?.tenantId).toBe('evil')
  return { monitor, clock, ids: { acme: acme?.id as string, evil: evil?.id as string } }
}

function tenancyCases(name: string, store: () => Promise<MonitorStore>) {
  describe(`incident tenancy [${name}]`, () => {
    it('another tenant cannot list, read, acknowledge, resolve or annotate an incident (attack)', async () => {
      const { monitor, ids } = await setup(await store())
      const evil = { tenantId: 'evil' }
      expect((await monitor.incidents.list(evil)).map((i) => i.id)).toEqual([ids.evil])
      expect(await monitor.incidents.get(ids.acme, evil)).toBeUndefined()
      await expect(monitor.alerts.acknowledge(ids.acme, 'mallory', evil)).rejects.toMatchObject({
        code: 'MONITOR_NOT_FOUND',
      })
      await expect(monitor.alerts.resolve(ids.acme, 'mallory', evil)).rejects.toMatchObject({
        code: 'MONITOR_NOT_FOUND',
      })
      await expect(monitor.incidents.update(ids.acme, { note: 'pwned', ...evil })).rejects.toMatchObject({
        code: 'MONITOR_NOT_FOUND',
      })
      expect(await monitor.incidents.stats(evil)).toMatchObject({ count: 1 })
      const victim = await monitor.incidents.get(ids.acme, { tenantId: 'acme' })
      expect(victim).toMatchObject({ status: 'triggered', tenantId: 'acme' })
      expect(victim?.timeline.map((e) => e.type)).not.toContain('note')
      // the owner can
      await monitor.alerts.acknowledge(ids.acme, 'ana', { tenantId: 'acme' })
      expect(await monitor.incidents.get(ids.acme, { tenantId: 'acme' })).toMatchObject({
        status: 'acknowledged',
      })
      await monitor.close()
    })

    it('a call without a tenant is MONITOR_TENANT_REQUIRED; a malformed one is refused', async () => {
      const { monitor, ids } = await setup(await store())
      await expect(monitor.incidents.list()).rejects.toMatchObject({ code: 'MONITOR_TENANT_REQUIRED' })
      await expect(monitor.alerts.acknowledge(ids.acme, 'ana')).rejects.toMatchObject({
        code: 'MONITOR_TENANT_REQUIRED',
      })
      await expect(monitor.incidents.get(ids.acme, { tenantId: "acme' or 1=1" })).rejects.toMatchObject({
        code: 'MONITOR_INVALID_OPTIONS',
      })
      await monitor.close()
    })

    it("retention for one tenant removes that tenant's resolved incidents only", async () => {
      const { monitor, clock, ids } = await setup(await store())
      await monitor.alerts.resolve(ids.acme, 'ana', { tenantId: 'acme' })
      await monitor.alerts.resolve(ids.evil, 'eve', { tenantId: 'evil' })
      await clock.advance(3_600_000)
      const report = await monitor.applyRetention({ incidents: { olderThan: '30m' } }, { tenantId: 'evil' })
      expect(report.removed).toEqual({ incidents: 1, notificationLog: 0 })
      expect(await monitor.incidents.get(ids.evil, { tenantId: 'evil' })).toBeUndefined()
      expect(await monitor.incidents.get(ids.acme, { tenantId: 'acme' })).toMatchObject({
        status: 'resolved',
      })
      // an operator's run (no tenant) covers every tenant
      const all = await monitor.applyRetention({ incidents: { keepLast: 0 } })
      expect(all.removed).toEqual({ incidents: 1, notificationLog: 0 })
      expect(await monitor.incidents.list({ tenantId: 'acme' })).toEqual([])
      await monitor.close()
    })
  })
}

tenancyCases('memory', async () => createMemoryMonitorStore())

forEachDialect('incident tenancy', (ctx) => {
  let n = 0
  tenancyCases(`kysely/${ctx.dialect}`, () =>
    createKyselyMonitorStore({ db: ctx.db(), tablePrefix: `ten${++n}_` }),
  )
})

describe('tenantMode off', () => {
  it('refuses a tenantId, and incidents carry none', async () => {
    const clock = createFakeClock(Date.UTC(2026, 0, 1))
    const monitor = await createMonitor({ serviceName: 'svc', clock, defaultMetrics: false })
    monitor.alerts.receiver('team', createMockChannel({ type: 'slack', clock }))
    monitor.alerts.route({ receiver: 'team', groupWait: 0 })
    monitor.alerts.addRule({ name: 'Down', expr: 'up == 0' })
    monitor.alerts.samples.set('up', { tenant: 'acme' }, 0)
    await monitor.alerts.evaluate()
    await clock.advance(1000)
    const [incident] = await monitor.incidents.list()
    expect(incident).toBeDefined()
    expect(incident?.tenantId).toBeUndefined()
    await expect(monitor.incidents.list({ tenantId: 'acme' })).rejects.toMatchObject({
      code: 'MONITOR_INVALID_OPTIONS',
    })
    await expect(monitor.applyRetention({ incidents: { keepLast: -1 } })).rejects.toMatchObject({
      code: 'MONITOR_INVALID_OPTIONS',
    })
    await monitor.close()
  })
})

describe('an action forwarded by a follower', () => {
  it("cannot reach another tenant's incident (attack on the follower path)", async () => {
    const store = createMemoryMonitorStore()
    const victim = {
      id: 'victim',
      tenantId: 'acme',
      groupKey: 'g',
      receiver: 'team',
      groupLabels: {},
      title: 'Down',
      status: 'triggered' as const,
      triggeredAt: 1,
      escalationLevel: 0,
      alerts: [],
      timeline: [],
    }
    await store.saveIncident('acme', victim)
    const hooks: AlertsHooks = {}
    wireLeadership(
      {
        clock: createFakeClock(0),
        logger: noopLogger,
        elector: { isLeader: async () => false, release: async () => undefined },
        store,
        persistence: undefined,
        alerting: {} as never,
        reload: async () => undefined,
      },
      hooks,
    )
    const forward = hooks.forward as NonNullable<AlertsHooks['forward']>
    for (const op of ['acknowledge', 'resolve', 'note'] as const)
      await expect(
        forward({ op, incidentId: 'victim', by: 'mallory', tenantId: 'evil' }),
      ).rejects.toMatchObject({
        code: 'MONITOR_NOT_FOUND',
      })
    expect(await store.list('command')).toEqual([])
    await expect(
      forward({ op: 'acknowledge', incidentId: 'victim', by: 'ana', tenantId: 'acme' }),
    ).resolves.toMatchObject({
      status: 'acknowledged',
    })
    expect(await store.list('command')).toHaveLength(1)
  })
})
