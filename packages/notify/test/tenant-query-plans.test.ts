import { forEachDialect } from '@opskit/test-support'
import { sql } from 'kysely'
import { expect, it } from 'vitest'
import { createNotifier } from '../src/index.js'

const TENANTS = 10
const USERS = 200
const ITEMS = 20_000

// A user lives in one tenant: the planner must know it, or with tenants it estimates a user's rows
// at 1/TENANTS of what they are and picks another plan than without tenants (issue 21).
forEachDialect('tenant-scoped query plans', ({ db, dialect }) => {
  it("estimates a user's inbox in a tenant as it is, and lists it and a user's deliveries by index", async () => {
    const notifier = await createNotifier({
      db: db(),
      tablePrefix: 'plans_',
      providers: {},
      tenantMode: 'required',
    })
    await notifier.close()
    const rows = Array.from({ length: ITEMS }, (_, i) => ({
      id: `item-${i}`,
      tenant_id: `tenant-${i % TENANTS}`,
      user_id: `user-${i % USERS}`, // user u's items all sit in tenant u % TENANTS
      title: 'Title',
      body: `Body ${i}`,
      category: null,
      data: null,
      created_at: i,
      read_at: i % 3 === 0 ? i : null,
    }))
    for (let i = 0; i < rows.length; i += 500)
      await db()
        .insertInto('plans_notify_inbox')
        .values(rows.slice(i, i + 500))
        .execute()
    await sql`ANALYZE`.execute(db())
    const listInbox = sql`SELECT * FROM plans_notify_inbox WHERE tenant_id = ${'tenant-7'} AND user_id = ${'user-7'} AND read_at IS NULL ORDER BY created_at DESC, id DESC LIMIT 20`
    const listDeliveries = sql`SELECT * FROM plans_notify_notifications WHERE tenant_id = ${'tenant-7'} AND user_id = ${'user-7'} ORDER BY created_at DESC, id DESC LIMIT 20`
    if (dialect === 'sqlite') {
      const plan = async (query: typeof listInbox) =>
        (await sql<{ detail: string }>`EXPLAIN QUERY PLAN ${query}`.execute(db())).rows
          .map((r) => r.detail)
          .join('\n')
      expect(await plan(listInbox)).toMatch(
        /USING INDEX plans_notify_inbox_tenant_user_idx \(tenant_id=\? AND user_id=\?/,
      )
      expect(await plan(listDeliveries)).toMatch(
        /USING INDEX plans_notify_notifications_tenant_user_idx \(tenant_id=\? AND user_id=\?\)/,
      )
      // the index is in list order: the first 20 unread rows, no sort of all of them
      expect(await plan(listInbox)).not.toMatch(/TEMP B-TREE/)
      return
    }
    type Node = {
      'Node Type': string
      'Plan Rows': number
      'Relation Name'?: string
      'Index Name'?: string
      Plans?: Node[]
    }
    /** Every node of the plan of `query`; with `noSeqScan`, a sequential scan is only the last resort. */
    const nodes = (query: typeof listInbox, noSeqScan = false) =>
      db()
        .transaction()
        .execute(async (trx) => {
          if (noSeqScan) await sql`SET LOCAL enable_seqscan = off`.execute(trx)
          const { rows: explained } = await sql<{
            'QUERY PLAN': Array<{ Plan: Node }>
          }>`EXPLAIN (FORMAT JSON) ${query}`.execute(trx)
          const root = explained[0]?.['QUERY PLAN'][0]?.Plan
          if (!root) throw new Error('no plan')
          const all: Node[] = []
          const walk = (node: Node) => {
            all.push(node)
            for (const child of node.Plans ?? []) walk(child)
          }
          walk(root)
          return all
        })
    const inboxScan = (await nodes(listInbox)).find((node) => node['Relation Name'] === 'plans_notify_inbox')
    // the user has ITEMS / USERS items, 2/3 of them unread: about 67 rows; independent columns
    // would make it a tenth of that
    expect(inboxScan?.['Plan Rows']).toBeGreaterThan(ITEMS / USERS / 3)
    // the index is in list order (created_at, id): the scan stops after the first 20 unread rows
    // instead of fetching all of the user's unread rows for a top-N sort, whatever the planner
    // thinks of the tenant column's physical order (a constant '' untenanted, scattered tenanted)
    const inboxNodes = await nodes(listInbox)
    expect(inboxNodes.map((node) => node['Node Type'])).not.toContain('Sort')
    expect(inboxScan?.['Index Name']).toBe('plans_notify_inbox_tenant_user_idx')
    expect(
      (await nodes(listDeliveries, true)).some(
        (node) => node['Index Name'] === 'plans_notify_notifications_tenant_user_idx',
      ),
    ).toBe(true)
  }, 60_000)
})
