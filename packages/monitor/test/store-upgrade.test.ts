/**
 * Migration 0002 on a database the previous version wrote: incidents that 0001 kept as
 * `incident` documents are moved into `monitor_incidents` (no tenant) and read back whole.
 */
import { migrate } from '@opskit/core'
import { forEachDialect } from '@opskit/test-support'
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { createKyselyMonitorStore, monitorMigrations } from '../src/index.js'

forEachDialect('monitor store upgrade', (ctx) => {
  it('moves the incidents 0001 stored as documents into their table', async () => {
    const prefix = 'up_'
    const db = ctx.db()
    await migrate(db, {
      namespace: 'monitor',
      tablePrefix: prefix,
      migrations: (p) => ({ '0001_state': monitorMigrations(p)['0001_state'] as never }),
    })
    const incident = {
      id: '0190-old',
      groupKey: 'route:[["alertname","Down"]]',
      receiver: 'team',
      groupLabels: { alertname: 'Down' },
      title: 'Down (alertname=Down)',
      status: 'acknowledged',
      triggeredAt: 1_700_000_000_000,
      acknowledgedAt: 1_700_000_060_000,
      acknowledgedBy: 'ana',
      escalationLevel: 0,
      alerts: ['fp1'],
      timeline: [{ at: 1_700_000_000_000, type: 'triggered' }],
    }
    await sql`insert into ${sql.table(`${prefix}monitor_state`)} (kind, id, body, updated_at)
      values ('incident', ${incident.id}, ${JSON.stringify(incident)}, 1)`.execute(db)
    const store = await createKyselyMonitorStore({ db, tablePrefix: prefix })
    expect(await store.getIncident('', incident.id)).toEqual(incident)
    expect((await store.openIncidents()).map((i) => i.id)).toEqual([incident.id])
    expect(await store.list('incident')).toEqual([])
    await store.close()
  })
})
