import { openSqlite } from '@opskit/core/sqlite'
import { tempSqlitePath } from '@opskit/test-support'
import { afterAll, describe, expect, it } from 'vitest'
import { createGroupCommit } from '../src/store/group-commit.js'

describe('group commit (SQLite)', () => {
  const temp = tempSqlitePath()
  const db = openSqlite(temp.path)
  afterAll(async () => {
    await db.destroy()
    temp.cleanup()
  })

  it('runs concurrent writes in one transaction and fails only the write that failed', async () => {
    await db.schema
      .createTable('t')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .execute()
    let transactions = 0
    const counted = new Proxy(db, {
      get(target, property, receiver) {
        if (property === 'transaction') transactions++
        const value = Reflect.get(target, property, receiver)
        return typeof value === 'function' ? value.bind(target) : value
      },
    })
    const group = createGroupCommit(counted)
    const insert = (id: number) =>
      group.run(async (executor) => {
        await executor.insertInto('t').values({ id }).execute()
        return id
      })
    const results = await Promise.allSettled([insert(1), insert(2), insert(1), insert(3)])
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'fulfilled', 'rejected', 'fulfilled'])
    expect((await db.selectFrom('t').select('id').orderBy('id').execute()).map((r) => r.id)).toEqual([
      1, 2, 3,
    ])
    expect(transactions).toBe(1)
    await Promise.all([insert(4), insert(5)])
    expect(transactions).toBe(2)
  })
})
