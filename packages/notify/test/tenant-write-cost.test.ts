import { createHash } from 'node:crypto'
import { mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { HostDatabase, TenantMode } from '@opskit/core'
import { openSqlite } from '@opskit/core/sqlite'
import { sql } from 'kysely'
import { afterAll, expect, it } from 'vitest'
import { createNotifier, type Notifier } from '../src/index.js'
import { createMockSmsProvider } from '../src/testing/index.js'

// What tenant scoping costs a send is decided by the pages a group commit dirties: every index
// that leads with tenant_id takes a tenant's rows at that tenant's own place, so a group of sends
// in ten tenants can write ten leaf pages where one tenant writes one (issue 21).

const root = mkdtempSync(join(tmpdir(), 'notify-tenant-write-cost-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

const TENANTS = 10
const key = (i: number) => createHash('sha256').update(`key-${i}`).digest('base64url').slice(0, 22)

/** Sends `count` userless SMS in groups of TENANTS at once (one group commit each), tenant i % TENANTS when tenanted. */
async function sendGroups(notifier: Notifier, mode: TenantMode, from: number, count: number) {
  for (let start = from; start < from + count; start += TENANTS) {
    await Promise.all(
      Array.from({ length: TENANTS }, (_, j) =>
        notifier.send({
          to: { phone: '+14155550100' },
          channels: ['sms'],
          content: { text: `code ${start + j}` },
          idempotencyKey: key(start + j),
          ...(mode === 'required' ? { tenantId: `tenant-${j}` } : {}),
        }),
      ),
    )
  }
}

/** Bytes appended to the WAL by `count` sends after `seeded` earlier ones (checkpoints off while counting). */
async function walBytesOfSends(mode: TenantMode, seeded: number, count: number): Promise<number> {
  const file = join(root, `${mode}.db`)
  const db: HostDatabase = openSqlite(file)
  const notifier = await createNotifier({
    db,
    providers: { sms: [createMockSmsProvider('mock-sms')] },
    tenantMode: mode,
  })
  try {
    await sendGroups(notifier, mode, 0, seeded)
    await sql`PRAGMA wal_autocheckpoint = 0`.execute(db)
    await sql`PRAGMA wal_checkpoint(TRUNCATE)`.execute(db)
    expect(statSync(`${file}-wal`).size).toBe(0)
    await sendGroups(notifier, mode, seeded, count)
    return statSync(`${file}-wal`).size
  } finally {
    await notifier.close()
    await db.destroy()
  }
}

it('a tenanted send without a user writes (within 25 %) the WAL pages an untenanted one writes', async () => {
  // enough earlier rows that each tenant's entries sit on leaf pages of their own
  const off = await walBytesOfSends('off', 3_000, 300)
  const required = await walBytesOfSends('required', 3_000, 300)
  expect(off).toBeGreaterThan(0)
  expect(required / off).toBeLessThan(1.25) // 1.49 when the per-user index took userless sends, 1.11 since
}, 120_000)
