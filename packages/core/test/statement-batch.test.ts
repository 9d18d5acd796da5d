import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { tempSqlitePath } from '../../../test-support/src/index.js'
import { createGroupCommit } from '../src/db/group-commit.js'
import type { HostDatabase } from '../src/db/host-database.js'
import { type Outcome, settleEach, settleWithOutcome } from '../src/db/outcome.js'
import { createStatementBatch } from '../src/db/statement-batch.js'
import { openSqlite } from '../src/sqlite/index.js'

describe('settleEach / settleWithOutcome', () => {
  it('records every item, a failure alone, without stopping', async () => {
    const outcomes = await settleEach([1, 2, 3], async (n) => {
      if (n === 2) throw new Error('two')
      return n * 10
    })
    expect(outcomes).toEqual([
      { ok: true, value: 10 },
      { ok: false, error: new Error('two') },
      { ok: true, value: 30 },
    ])
  })

  it('resolves, rejects, and rejects a caller that got no outcome', async () => {
    const caller = () => {
      let result: Outcome<number> | undefined
      return {
        resolve: (value: number) => (result = { ok: true, value }),
        reject: (error: unknown) => (result = { ok: false, error }),
        get: () => result,
      }
    }
    const ok = caller()
    settleWithOutcome(ok, { ok: true, value: 7 })
    expect(ok.get()).toEqual({ ok: true, value: 7 })
    const failed = caller()
    settleWithOutcome(failed, { ok: false, error: 'nope' })
    expect(failed.get()).toEqual({ ok: false, error: 'nope' })
    const missing = caller()
    settleWithOutcome(missing, undefined)
    expect(missing.get()).toMatchObject({ ok: false, error: new Error('no outcome for a batched write') })
  })
})

describe('createStatementBatch on a real SQLite file', () => {
  let db: HostDatabase
  let cleanup = () => {}
  beforeAll(async () => {
    const temp = tempSqlitePath()
    cleanup = temp.cleanup
    db = openSqlite(temp.path)
    await sql`CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL CHECK (name <> ''))`.execute(db)
  })
  afterAll(async () => {
    await db.destroy()
    cleanup()
  })

  it('writes the rows of concurrent calls with one write, each caller with its own result', async () => {
    const group = createGroupCommit(db)
    const calls: number[][] = []
    const insert = createStatementBatch<{ id: number; name: string }, number>(
      group,
      async (executor, rows) => {
        calls.push(rows.map((row) => row.id))
        return settleEach(rows, async (row) => {
          await sql`INSERT INTO items (id, name) VALUES (${row.id}, ${row.name})`.execute(executor)
          return row.id * 2
        })
      },
    )
    const results = await Promise.allSettled([
      insert({ id: 1, name: 'a' }),
      insert({ id: 2, name: '' }),
      insert({ id: 3, name: 'c' }),
    ])
    expect(calls).toEqual([[1, 2, 3]])
    expect(results.map((r) => (r.status === 'fulfilled' ? r.value : 'rejected'))).toEqual([2, 'rejected', 6])
    const rows = await sql<{ id: number }>`SELECT id FROM items ORDER BY id`.execute(db)
    expect(rows.rows.map((row) => row.id)).toEqual([1, 3])

    // a later call, after the first group ran, starts a new write
    expect(await insert({ id: 4, name: 'd' })).toBe(8)
    expect(calls).toEqual([[1, 2, 3], [4]])
    await group.close()
  })

  it('rejects every caller of the group when the write itself throws; its earlier statements stay', async () => {
    const group = createGroupCommit(db)
    const insert = createStatementBatch<number, void>(group, async (executor, ids) => {
      for (const id of ids) await sql`INSERT INTO items (id, name) VALUES (${id}, 'x')`.execute(executor)
      throw new Error('write failed')
    })
    const results = await Promise.allSettled([insert(10), insert(11)])
    expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected'])
    const rows = await sql<{ n: number }>`SELECT count(*) AS n FROM items WHERE id >= 10`.execute(db)
    // only a failing statement rolls back (statement-level abort): the transaction of the group
    // commits what ran before, so a write that throws must not have written (send-path falls
    // back to one statement per row for that reason)
    expect(rows.rows[0]?.n).toBe(2)
    await group.close()
  })
})
