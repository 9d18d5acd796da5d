import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqlite } from '@opskit/core/sqlite'
import Database from 'better-sqlite3'
import { type Kysely, sql } from 'kysely'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { retryOnBusy } from '../src/db/retry-busy.js'

// The race a concurrent purchase can hit: the route's deferred transaction reads, another
// connection (the audit writer thread) commits, then the route writes. In WAL mode SQLite answers
// SQLITE_BUSY_SNAPSHOT at once (the busy timeout does not apply). Here the other connection's
// commit is placed between the read and the write deterministically.
describe('retryOnBusy around a deferred SQLite transaction', () => {
  let dir: string
  let db: Kysely<{ counter: { id: number; n: number }; other: { v: number } }>
  let writer: Database.Database

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'tix-busy-'))
    db = openSqlite(join(dir, 'db.sqlite')) as typeof db
    await sql`create table counter (id integer primary key, n integer not null)`.execute(db)
    await sql`create table other (v integer)`.execute(db)
    await sql`insert into counter values (1, 0)`.execute(db)
    writer = new Database(join(dir, 'db.sqlite'))
    writer.pragma('busy_timeout = 5000')
  })
  afterEach(async () => {
    writer.close()
    await db.destroy()
    rmSync(dir, { recursive: true, force: true })
  })

  const purchase = (attempts: number) => {
    let attempt = 0
    return retryOnBusy(
      () =>
        db.transaction().execute(async (trx) => {
          attempt++
          const row = await trx
            .selectFrom('counter')
            .select('n')
            .where('id', '=', 1)
            .executeTakeFirstOrThrow()
          if (attempt === 1) writer.prepare('insert into other values (1)').run()
          await trx
            .updateTable('counter')
            .set({ n: row.n + 1 })
            .where('id', '=', 1)
            .execute()
        }),
      attempts,
    ).then(() => attempt)
  }

  it('without a retry, the write after another connection commits fails with SQLITE_BUSY_SNAPSHOT', async () => {
    await expect(purchase(1)).rejects.toMatchObject({ code: 'SQLITE_BUSY_SNAPSHOT' })
    expect((await db.selectFrom('counter').select('n').executeTakeFirstOrThrow()).n).toBe(0)
  })

  it('with the retry, the transaction runs again on a fresh snapshot and commits once', async () => {
    expect(await purchase(5)).toBe(2)
    expect((await db.selectFrom('counter').select('n').executeTakeFirstOrThrow()).n).toBe(1)
  })
})
