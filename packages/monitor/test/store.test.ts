import { openSqlite } from '@opskit/core/sqlite'
import { createFakeClock } from '@opskit/core/testing'
import { forEachDialect, startHttpFake, tempSqlitePath } from '@opskit/test-support'
import { afterEach, describe, expect, it, vi } from 'vitest'
import { createKyselyMonitorStore, createMonitor, createWebhookChannel } from '../src/index.js'
import {
  createMemoryMonitorStore,
  createMockChannel,
  type MockChannel,
  runMonitorStoreConformance,
} from '../src/testing/index.js'

runMonitorStoreConformance({ name: 'memory', create: async () => createMemoryMonitorStore() })

forEachDialect('kysely monitor store', (ctx) => {
  let n = 0
  let prefix = 't0_'
  runMonitorStoreConformance({
    name: `kysely/${ctx.dialect}`,
    create: async () => {
      prefix = `t${++n}_`
      return createKyselyMonitorStore({ db: ctx.db(), tablePrefix: prefix })
    },
    reopen: async () => createKyselyMonitorStore({ db: ctx.openAnother(), tablePrefix: prefix }),
  })
})

describe('state survives a restart (SQLite file)', () => {
  const cleanups: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const c of cleanups.splice(0).reverse()) await c()
  })

  it('restores alert instances (for progress), silences, incidents and the notification log', async () => {
    const file = tempSqlitePath()
    cleanups.push(file.cleanup)
    const fake = await startHttpFake()
    cleanups.push(() => fake.stop())
    fake.route('POST', '/hook', () => ({ status: 200, body: 'ok' }))
    const clock = createFakeClock(Date.UTC(2026, 0, 1))
    // after the restart a mock channel receives, so a send completes within the fake clock's step
    const build = async (channel?: MockChannel) => {
      const db = openSqlite(file.path)
      const monitor = await createMonitor({
        serviceName: 'svc',
        db,
        clock,
        defaultMetrics: false,
        notifyRetries: 0,
      })
      monitor.alerts.receiver(
        'hook',
        channel ?? createWebhookChannel({ url: `${fake.url}/hook`, allowPrivateNetworks: true }),
      )
      monitor.alerts.route({ receiver: 'hook', groupWait: '30s', groupInterval: '5m' })
      monitor.alerts.addRule({ name: 'Lag', expr: 'lag > 10', for: '3m' })
      monitor.alerts.addRule({ name: 'Down', expr: 'up == 0' })
      return {
        monitor,
        close: async () => {
          await monitor.close()
          await db.destroy()
        },
      }
    }
    const first = await build()
    first.monitor.alerts.samples.set('lag', {}, 50)
    first.monitor.alerts.samples.set('up', {}, 0)
    await first.monitor.alerts.evaluate()
    await clock.advance(60_000)
    await first.monitor.alerts.evaluate()
    await vi.waitFor(() => expect(fake.requests).toHaveLength(1))
    const incident = (await first.monitor.incidents.list())[0]
    await first.monitor.alerts.acknowledge(incident?.id as string, 'ana')
    const silence = first.monitor.alerts.silence({
      matchers: ['team="x"'],
      endsAt: clock.now() + 3_600_000,
      createdBy: 'ana',
      comment: 'c',
    })
    await first.close()

    const hook = createMockChannel({ type: 'webhook', clock })
    const second = await build(hook)
    cleanups.push(second.close)
    second.monitor.alerts.samples.set('lag', {}, 50)
    second.monitor.alerts.samples.set('up', {}, 0)
    const state = second.monitor.alerts.state()
    const lag = state.alerts.find((a) => a.rule === 'Lag')
    expect(lag).toMatchObject({ state: 'pending', activeAt: Date.UTC(2026, 0, 1) })
    expect(state.silences.map((s) => s.id)).toEqual([silence.id])
    expect(await second.monitor.incidents.get(incident?.id as string)).toMatchObject({
      status: 'acknowledged',
      acknowledgedBy: 'ana',
    })
    // `for` progress survived: 3 minutes after the first activeAt the rule fires
    await clock.advance(60_000)
    await second.monitor.alerts.evaluate()
    await clock.advance(60_000)
    await second.monitor.alerts.evaluate()
    expect(second.monitor.alerts.state().alerts.find((a) => a.rule === 'Lag')?.state).toBe('firing')
    // the already-notified Down alert is not notified again after the restart; Lag is new —
    // through two group intervals, so a repeated Down would have had its chance
    for (let i = 0; i < 11; i++) {
      await clock.advance(60_000)
      await second.monitor.alerts.evaluate()
    }
    expect(hook.reasons()).toEqual(['new alerts added'])
    expect(hook.sent[0]?.notification.alerts.map((a) => a.labels.alertname).sort()).toEqual(['Down', 'Lag'])
    expect(fake.requests).toHaveLength(1)
  })
})
