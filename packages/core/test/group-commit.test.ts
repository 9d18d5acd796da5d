import { open } from 'node:fs/promises'
import { CompiledQuery } from 'kysely'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { tempSqlitePath } from '../../../test-support/src/index.js'
import { createGroupCommit, type WalFile } from '../src/db/group-commit.js'
import type { HostDatabase } from '../src/db/host-database.js'
import { openSqlite } from '../src/sqlite/index.js'

const synchronousLevel = async (db: HostDatabase) =>
  Number(
    (await db.executeQuery<{ synchronous: number }>(CompiledQuery.raw('PRAGMA synchronous'))).rows[0]
      ?.synchronous,
  )

/** A WAL file whose syncs wait until the test releases them, and that counts them. */
function heldWal() {
  const log: string[] = []
  const held: Array<() => void> = []
  let paths: string[] = []
  const openWal = async (path: string): Promise<WalFile> => {
    paths = [...paths, path]
    const handle = await open(path, 'r+')
    return {
      async sync() {
        log.push('sync started')
        await new Promise<void>((resolve) => held.push(resolve))
        await handle.datasync()
        log.push('sync done')
      },
      close: () => handle.close(),
    }
  }
  /** Releases the oldest held sync (waiting for one to start if none is held). */
  const released = async () => {
    while (held.length === 0) await new Promise((resolve) => setImmediate(resolve))
    held.shift()?.()
  }
  return { openWal, log, released, paths: () => paths }
}

describe('group commit (SQLite)', () => {
  const temps: Array<{ cleanup(): void }> = []
  const dbs: HostDatabase[] = []
  const fresh = async (synchronous: 'full' | 'normal' = 'full') => {
    const temp = tempSqlitePath()
    temps.push(temp)
    const db = openSqlite(temp.path, { synchronous })
    dbs.push(db)
    await db.schema
      .createTable('t')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .execute()
    return { db, path: temp.path }
  }
  afterEach(async () => {
    for (const db of dbs.splice(0)) await db.destroy()
  })
  afterAll(() => {
    for (const temp of temps) temp.cleanup()
  })

  it('runs concurrent writes in one transaction and fails only the write that failed', async () => {
    const { db } = await fresh()
    let transactions = 0
    const counted = new Proxy(db, {
      get(target, property, receiver) {
        if (property === 'connection') transactions++
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
    await group.close()
  })

  it('with synchronous=FULL in WAL mode resolves a write only after an fdatasync of the WAL that started after its commit', async () => {
    const { db, path } = await fresh('full')
    const wal = heldWal()
    const group = createGroupCommit(db, { openWal: wal.openWal })
    let resolved = false
    const first = group
      .run((executor) => executor.insertInto('t').values({ id: 1 }).execute())
      .then(() => {
        resolved = true
      })
    while (!wal.log.includes('sync started')) await new Promise((resolve) => setImmediate(resolve))
    // committed (another connection sees it) but not acknowledged while its sync is held
    const other = openSqlite(path)
    dbs.push(other)
    expect(await other.selectFrom('t').select('id').execute()).toEqual([{ id: 1 }])
    expect(resolved).toBe(false)
    // a write queued during the sync commits at once and starts its own sync (two run at once)
    const insert = (id: number) => {
      const state = { resolved: false }
      const done = group
        .run((executor) => executor.insertInto('t').values({ id }).execute())
        .then(() => {
          state.resolved = true
        })
      return { state, done }
    }
    const rowsSeen = async (count: number) => {
      while ((await other.selectFrom('t').select('id').execute()).length < count)
        await new Promise((resolve) => setImmediate(resolve))
    }
    const second = insert(2)
    await rowsSeen(2)
    while (wal.log.filter((entry) => entry === 'sync started').length < 2)
      await new Promise((resolve) => setImmediate(resolve))
    // with both sync slots taken, two more writes commit and share one sync that starts later
    const third = insert(3)
    const fourth = insert(4)
    await rowsSeen(4)
    expect(wal.log).toEqual(['sync started', 'sync started'])
    await wal.released()
    await first
    expect(resolved).toBe(true)
    expect(second.state.resolved).toBe(false)
    // the freed slot starts the shared sync at once, while the second is still running
    while (wal.log.filter((entry) => entry === 'sync started').length < 3)
      await new Promise((resolve) => setImmediate(resolve))
    await wal.released()
    await second.done
    expect(third.state.resolved || fourth.state.resolved).toBe(false)
    await wal.released()
    await Promise.all([third.done, fourth.done])
    expect(wal.log).toEqual([
      'sync started',
      'sync started',
      'sync done',
      'sync started',
      'sync done',
      'sync done',
    ])
    expect(wal.paths()).toEqual([`${path}-wal`])
    // the host's connection is back at FULL after every batch
    expect(await synchronousLevel(db)).toBe(2)
    await group.close()
  })

  it("resolves a { wait: 'committed' } write at its commit, before the sync", async () => {
    const { db } = await fresh('full')
    const wal = heldWal()
    const group = createGroupCommit(db, { openWal: wal.openWal })
    const order: string[] = []
    const durable = group
      .run((e) => e.insertInto('t').values({ id: 1 }).execute())
      .then(() => order.push('durable'))
    const committed = group
      .run((e) => e.insertInto('t').values({ id: 2 }).execute(), { wait: 'committed' })
      .then(() => order.push('committed'))
    await committed
    expect(order).toEqual(['committed'])
    expect(wal.log).toEqual(['sync started'])
    await wal.released()
    await durable
    expect(order).toEqual(['committed', 'durable'])
    await group.close()
  })

  it('leaves the host connection at FULL for its own writes while batches run', async () => {
    const { db } = await fresh('full')
    const group = createGroupCommit(db)
    const levels: number[] = []
    const writes: Array<Promise<unknown>> = []
    for (let round = 0; round < 20; round++) {
      for (let i = 0; i < 10; i++)
        writes.push(
          group.run((e) =>
            e
              .insertInto('t')
              .values({ id: round * 100 + i })
              .execute(),
          ),
        )
      levels.push(await synchronousLevel(db))
      await new Promise((resolve) => setImmediate(resolve))
    }
    await Promise.all(writes)
    expect(new Set(levels)).toEqual(new Set([2]))
    expect(await synchronousLevel(db)).toBe(2)
    await group.close()
  })

  it('commits as the host configured it when the fsync cannot be deferred (NORMAL, in-memory)', async () => {
    const { db } = await fresh('normal')
    const wal = heldWal()
    const normal = createGroupCommit(db, { openWal: wal.openWal })
    await normal.run((e) => e.insertInto('t').values({ id: 1 }).execute())
    await normal.close()
    const memory = openSqlite(':memory:')
    dbs.push(memory)
    await memory.schema.createTable('m').addColumn('id', 'integer').execute()
    const inMemory = createGroupCommit(memory, { openWal: wal.openWal })
    await inMemory.run((e) => e.insertInto('m').values({ id: 1 }).execute())
    await inMemory.close()
    expect(wal.paths()).toEqual([])
    expect(await synchronousLevel(db)).toBe(1)
  })

  it('rejects the batch when the WAL sync fails', async () => {
    const { db } = await fresh('full')
    const group = createGroupCommit(db, {
      openWal: async () => ({
        sync: async () => {
          throw Object.assign(new Error('EIO: i/o error, fdatasync'), { code: 'EIO' })
        },
        close: async () => {},
      }),
    })
    await expect(group.run((e) => e.insertInto('t').values({ id: 1 }).execute())).rejects.toThrow(/EIO/)
    await group.close()
  })
})
