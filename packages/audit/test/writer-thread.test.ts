import { openSqlite } from '@opskit/core/sqlite'
import { createMemoryLogger } from '@opskit/core/testing'
import { forEachDialect, tempSqlitePath } from '@opskit/test-support'
import Database from 'better-sqlite3'
import { sql } from 'kysely'
import { afterAll, describe, expect, it } from 'vitest'
import { AuditError, createAuditLog, createKyselyAuditStore } from '../src/index.js'
import { runAuditStoreConformance } from '../src/testing/index.js'

const temps: Array<{ cleanup(): void }> = []
afterAll(() => {
  for (const temp of temps) temp.cleanup()
})
const fileDb = () => {
  const temp = tempSqlitePath()
  temps.push(temp)
  return { db: openSqlite(temp.path), path: temp.path }
}

let counter = 0
let latest: ReturnType<typeof fileDb> | undefined
runAuditStoreConformance({
  name: 'kysely sqlite with writerThread',
  create: () => {
    latest = fileDb()
    return createKyselyAuditStore({ db: latest.db, tablePrefix: `w${++counter}_`, writerThread: true })
  },
  // A second connection (and writer thread) on the same file, as another process would open it.
  reopen: () =>
    createKyselyAuditStore({
      db: openSqlite((latest as ReturnType<typeof fileDb>).path),
      tablePrefix: `w${counter}_`,
      writerThread: true,
    }),
})

describe('writerThread', () => {
  it('keeps one gap-free chain when two threaded logs in one process write to the same file', async () => {
    const { db, path } = fileDb()
    const other = openSqlite(path)
    const a = await createAuditLog({ db, auditReads: false, writerThread: true })
    const b = await createAuditLog({ db: other, auditReads: false, writerThread: true })
    const write = (audit: typeof a, tag: string) =>
      Promise.all(
        Array.from({ length: 400 }, (_, i) =>
          audit.logDataAccess({
            actor: { id: `${tag}${i % 9}`, ip: '192.0.2.1' },
            target: { type: 'doc', id: `${i}` },
          }),
        ),
      )
    // Three rounds: after the first, each log predicts heads the other one has already moved.
    const seqs: number[] = []
    for (let round = 0; round < 3; round++) {
      const [fromA, fromB] = await Promise.all([write(a, 'a'), write(b, 'b')])
      seqs.push(...fromA.map((r) => r.seq), ...fromB.map((r) => r.seq))
    }
    expect(seqs.sort((x, y) => x - y)).toEqual(Array.from({ length: 2400 }, (_, i) => i + 1))
    const result = await a.verify()
    expect(result).toMatchObject({ ok: true, checked: 2400, headSeq: 2400 })
    const { events } = await b.query({ limit: 1 })
    expect(events[0]?.actor.ip).toBe('192.0.2.1')
    await a.close()
    await b.close()
    await db.destroy()
    await other.destroy()
  })

  it('seals with a fresh key after another log erased the subject whose key it remembered', async () => {
    const { db, path } = fileDb()
    const other = openSqlite(path)
    const writer = await createAuditLog({ db, auditReads: false, writerThread: true })
    const eraser = await createAuditLog({ db: other, auditReads: false })
    const actor = { id: 'subject-1', email: 'ada@example.com', ip: '192.0.2.7' }
    // Two batches, so the second goes through the thread with the remembered key.
    await writer.logLogin({ actor })
    await writer.logLogin({ actor })
    await eraser.forgetSubject('subject-1')
    // The writer still remembers the destroyed key: the thread refuses it and the batch is
    // appended inline with a new key, so the new event stays readable.
    const after = await writer.logLogin({ actor })
    const { events } = await eraser.query({ actorId: 'subject-1', action: 'user.login' })
    const bySeq = new Map(events.map((event) => [event.seq, event]))
    expect(bySeq.get(after.seq)?.actor.email).toBe('ada@example.com')
    expect(events.filter((event) => event.seq !== after.seq).map((event) => event.actor.email)).toEqual([
      '[erased]',
      '[erased]',
    ])
    expect((await writer.verify()).ok).toBe(true)
    await writer.close()
    await eraser.close()
    await db.destroy()
    await other.destroy()
  })

  it('checkpoints the WAL as it goes, so the log file does not hold every page written', async () => {
    const { db, path } = fileDb()
    const audit = await createAuditLog({ db, auditReads: false, writerThread: true })
    // 10,000 events write well over 3,000 WAL pages; checkpoints every ~1,000 pages let SQLite
    // start the WAL over, so far fewer are in it at the end.
    await Promise.all(
      Array.from({ length: 200 }, async (_, caller) => {
        for (let i = 0; i < 50; i++)
          await audit.logDataAccess({
            actor: { id: `u${caller}` },
            target: { type: 'doc', id: `${caller}-${i}` },
          })
      }),
    )
    const reader = new Database(path)
    const [state] = reader.pragma('wal_checkpoint(PASSIVE)') as Array<{ log: number }>
    reader.close()
    expect(state?.log).toBeGreaterThan(0)
    expect(state?.log).toBeLessThan(2_000)
    expect((await audit.verify()).checked).toBe(10_000)
    await audit.close()
    await db.destroy()
  })

  it('keeps interval checkpoints written by the thread', async () => {
    const { db } = fileDb()
    const checkpoints: number[] = []
    const audit = await createAuditLog({
      db,
      auditReads: false,
      writerThread: true,
      checkpointEvery: 100,
      onCheckpoint: (checkpoint) => {
        checkpoints.push(checkpoint.size)
      },
    })
    for (let round = 0; round < 3; round++)
      await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          audit.logDataAccess({ actor: { id: 'u' }, target: { type: 'doc', id: `${i}` } }),
        ),
      )
    await audit.close()
    const stored = await sql<{ seq: number }>`SELECT seq FROM opskit_audit_checkpoints ORDER BY seq`.execute(
      db,
    )
    expect(stored.rows.map((row) => Number(row.seq))).toEqual(checkpoints)
    expect(checkpoints.at(-1)).toBe(300)
    await db.destroy()
  })

  it('posts each batch with its own rows only, also a smaller one after a larger one', async () => {
    // The host reuses one array for the rows' values from post to post: a batch of 2 after one
    // of 100 must not carry the 98 rows after its own.
    const { db, path } = fileDb()
    const audit = await createAuditLog({ db, auditReads: false, writerThread: true })
    const log = (count: number, tag: string) =>
      Promise.all(
        Array.from({ length: count }, (_, i) =>
          audit.logDataAccess({ actor: { id: `u${i % 3}` }, target: { type: 'doc', id: `${tag}${i}` } }),
        ),
      )
    await log(1, 'first') // teaches the thread's writer the chain head (appended on the host)
    await log(100, 'large')
    await log(2, 'small')
    await log(150, 'mixed') // a chunk of 100 and one of 50 in one turn
    const file = new Database(path, { readonly: true })
    const rows = file.prepare('SELECT target_id FROM opskit_audit_events ORDER BY seq').all() as Array<{
      target_id: string
    }>
    file.close()
    expect(rows.map((row) => row.target_id)).toEqual([
      'first0',
      ...Array.from({ length: 100 }, (_, i) => `large${i}`),
      'small0',
      'small1',
      ...Array.from({ length: 150 }, (_, i) => `mixed${i}`),
    ])
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 253 })
    await audit.close()
    await db.destroy()
  })

  it('refuses an in-memory SQLite database with AUDIT_INVALID_OPTIONS', async () => {
    const db = openSqlite(':memory:')
    const attempt = createAuditLog({ db, writerThread: true })
    await expect(attempt).rejects.toBeInstanceOf(AuditError)
    await expect(attempt).rejects.toMatchObject({ code: 'AUDIT_INVALID_OPTIONS' })
    await db.destroy()
  })
})

describe("writerThread: 'auto' (the default)", () => {
  /** A store with the default setting, and whether it appends through the thread. */
  const openDefault = async (db: ReturnType<typeof openSqlite>) => {
    const logger = createMemoryLogger()
    const store = await createKyselyAuditStore({ db, tablePrefix: `a${++counter}_`, logger })
    return { store, logger, threaded: store.pipeline !== undefined }
  }

  it('uses the thread on a SQLite file in WAL mode', async () => {
    const { db } = fileDb()
    const { store, logger, threaded } = await openDefault(db)
    expect(threaded).toBe(true)
    expect(logger.records).toEqual([])
    await store.close()
    await db.destroy()
  })

  it('appends on the host connection of an in-memory database, and says nothing', async () => {
    const db = openSqlite(':memory:')
    const { store, logger, threaded } = await openDefault(db)
    expect(threaded).toBe(false)
    expect(logger.records).toEqual([])
    const audit = await createAuditLog({ db, auditReads: false })
    await audit.logAdminAction({ action: 'admin.test', actor: { id: 'ops' } })
    expect((await audit.verify()).checked).toBe(1)
    await audit.close()
    await store.close()
    await db.destroy()
  })

  it('warns and appends on the host connection when the thread cannot open the file', async () => {
    // The host keeps its open file after the folder is removed; the thread can no longer open it.
    const temp = tempSqlitePath()
    const db = openSqlite(temp.path)
    await sql`CREATE TABLE opened (n INTEGER)`.execute(db)
    temp.cleanup()
    await expect(
      createKyselyAuditStore({ db, tablePrefix: 'gone_', writerThread: true }),
    ).rejects.toMatchObject({
      code: 'AUDIT_STORE_FAILED',
    })
    const logger = createMemoryLogger()
    const audit = await createAuditLog({ db, tablePrefix: 'gone_', auditReads: false, logger })
    expect(logger.records.map((record) => [record.level, record.msg])).toEqual([
      ['warn', 'audit writer thread unavailable; appending on the host connection'],
    ])
    await audit.logAdminAction({ action: 'admin.test', actor: { id: 'ops' } })
    expect((await audit.verify()).ok).toBe(true)
    await audit.close()
    await db.destroy()
  })

  it("refuses anything but true, false or 'auto'", async () => {
    const db = openSqlite(':memory:')
    await expect(createKyselyAuditStore({ db, writerThread: 'yes' as unknown as boolean })).rejects.toThrow(
      /writerThread must be true, false or 'auto'/,
    )
    await db.destroy()
  })
})

forEachDialect('writerThread on a non-SQLite database', ({ db, dialect }) => {
  it.runIf(dialect === 'postgres')('is refused with AUDIT_INVALID_OPTIONS', async () => {
    await expect(createAuditLog({ db: db(), writerThread: true })).rejects.toMatchObject({
      code: 'AUDIT_INVALID_OPTIONS',
    })
  })

  it.runIf(dialect === 'postgres')("appends on the host connection by default ('auto')", async () => {
    const store = await createKyselyAuditStore({ db: db(), tablePrefix: `p${++counter}_` })
    expect(store.pipeline).toBeUndefined()
    await store.close()
  })
})
