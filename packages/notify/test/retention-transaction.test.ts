import type { HostDatabase } from '@opskit/core'
import { openSqlite } from '@opskit/core/sqlite'
import { tempSqlitePath } from '@opskit/test-support'
import { CompiledQuery } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { retentionTransaction } from '../src/store/kysely/retention-transaction.js'

const level = async (executor: HostDatabase) =>
  Number(
    (await executor.executeQuery<{ synchronous: unknown }>(CompiledQuery.raw('PRAGMA main.synchronous')))
      .rows[0]?.synchronous,
  )

describe('retentionTransaction on SQLite', () => {
  const cleanups: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup()
  })
  const open = async (journal: 'wal' | 'delete') => {
    const file = tempSqlitePath('retention-transaction.db')
    const db = openSqlite(file.path, { synchronous: 'full' })
    if (journal === 'delete') await db.executeQuery(CompiledQuery.raw('PRAGMA journal_mode = DELETE'))
    await db.executeQuery(CompiledQuery.raw('CREATE TABLE t (id INTEGER PRIMARY KEY)'))
    await db.executeQuery(CompiledQuery.raw('INSERT INTO t (id) VALUES (1), (2), (3)'))
    cleanups.push(async () => {
      await db.destroy()
      file.cleanup()
    })
    return db
  }

  it('commits a WAL batch at synchronous=NORMAL (no fsync of its own) and sets FULL back', async () => {
    const db = await open('wal')
    const inside = await retentionTransaction(db, 'sqlite', async (trx) => {
      await trx.executeQuery(CompiledQuery.raw('DELETE FROM t WHERE id = 1'))
      return level(trx)
    })
    expect(inside).toBe(1)
    expect(await level(db)).toBe(2)
    const count = await db.executeQuery<{ n: number }>(CompiledQuery.raw('SELECT count(*) AS n FROM t'))
    expect(count.rows[0]?.n).toBe(2)
  })

  it('rolls a failing batch back whole and still sets the level back', async () => {
    const db = await open('wal')
    const failed = retentionTransaction(db, 'sqlite', async (trx) => {
      await trx.executeQuery(CompiledQuery.raw('DELETE FROM t WHERE id = 1'))
      await trx.executeQuery(CompiledQuery.raw('DELETE FROM missing_table'))
    })
    await expect(failed).rejects.toThrow(/missing_table/)
    expect(await level(db)).toBe(2)
    const count = await db.executeQuery<{ n: number }>(CompiledQuery.raw('SELECT count(*) AS n FROM t'))
    expect(count.rows[0]?.n).toBe(3)
  })

  it('leaves a rollback-journal database at its own level', async () => {
    const db = await open('delete')
    expect(await retentionTransaction(db, 'sqlite', (trx) => level(trx))).toBe(2)
  })
})
