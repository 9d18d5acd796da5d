import Database from 'better-sqlite3'
import pg from 'pg'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import { createPostgresDatabase, tempSqlitePath } from '../../../test-support/src/index.js'
import { CoreError, isTransientDatabaseError } from '../src/index.js'

/** Runs `fn` and returns what it threw (fails the test when it does not throw). */
async function caught(fn: () => unknown): Promise<unknown> {
  try {
    await fn()
  } catch (error) {
    return error
  }
  throw new Error('expected an error')
}

describe('isTransientDatabaseError on real SQLite errors (better-sqlite3)', () => {
  const open: Database.Database[] = []
  let cleanup = () => {}
  const connect = (path: string) => {
    const db = new Database(path, { timeout: 0 })
    open.push(db)
    return db
  }
  afterEach(() => {
    for (const db of open.splice(0)) db.close()
    cleanup()
  })

  function twoConnections() {
    const temp = tempSqlitePath()
    cleanup = temp.cleanup
    const a = connect(temp.path)
    a.pragma('journal_mode = WAL')
    a.exec('CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)')
    a.exec("INSERT INTO t VALUES (1, 'a')")
    return { a, b: connect(temp.path) }
  }

  it('SQLITE_BUSY: a second writer while another holds the write lock', async () => {
    const { a, b } = twoConnections()
    a.exec('BEGIN IMMEDIATE')
    const error = await caught(() => b.exec('BEGIN IMMEDIATE'))
    expect(error).toMatchObject({ code: 'SQLITE_BUSY' })
    expect(isTransientDatabaseError(error)).toBe(true)
  })

  it('SQLITE_BUSY_SNAPSHOT: a WAL read transaction writes after another connection committed', async () => {
    const { a, b } = twoConnections()
    b.exec('BEGIN')
    b.prepare('SELECT * FROM t').all()
    a.exec("UPDATE t SET v = 'changed'")
    const error = await caught(() => b.exec("UPDATE t SET v = 'stale'"))
    expect(error).toMatchObject({ code: 'SQLITE_BUSY_SNAPSHOT' })
    expect(isTransientDatabaseError(error)).toBe(true)
  })

  it('SQLITE_LOCKED: dropping a table this connection is still reading', async () => {
    const { a } = twoConnections()
    a.exec("INSERT INTO t VALUES (2, 'b')")
    a.unsafeMode(true)
    const rows = a.prepare('SELECT * FROM t').iterate()
    rows.next()
    const error = await caught(() => a.exec('DROP TABLE t'))
    rows.return?.()
    expect(error).toMatchObject({ code: 'SQLITE_LOCKED' })
    expect(isTransientDatabaseError(error)).toBe(true)
  })

  it('not a constraint violation', async () => {
    const { a } = twoConnections()
    const error = await caught(() => a.exec("INSERT INTO t VALUES (1, 'again')"))
    expect(error).toMatchObject({ code: 'SQLITE_CONSTRAINT_PRIMARYKEY' })
    expect(isTransientDatabaseError(error)).toBe(false)
  })
})

describe('isTransientDatabaseError on real PostgreSQL errors (node-postgres)', () => {
  const clients: pg.Client[] = []
  afterAll(async () => {
    for (const client of clients) await client.end()
  })
  async function twoClients() {
    const url = await createPostgresDatabase()
    const a = new pg.Client({ connectionString: url })
    const b = new pg.Client({ connectionString: url })
    clients.push(a, b)
    await a.connect()
    await b.connect()
    await a.query('CREATE TABLE t (id int PRIMARY KEY, v text)')
    await a.query("INSERT INTO t VALUES (1, 'a'), (2, 'b')")
    return { a, b }
  }

  it('40001: a repeatable-read transaction updates a row another transaction changed', async () => {
    const { a, b } = await twoClients()
    await a.query('BEGIN ISOLATION LEVEL REPEATABLE READ')
    await a.query('SELECT * FROM t')
    await b.query("UPDATE t SET v = 'changed' WHERE id = 1")
    const error = await caught(() => a.query("UPDATE t SET v = 'stale' WHERE id = 1"))
    await a.query('ROLLBACK')
    expect(error).toMatchObject({ code: '40001' })
    expect(isTransientDatabaseError(error)).toBe(true)
  })

  it('40P01: two transactions lock rows in opposite order', async () => {
    const { a, b } = await twoClients()
    await a.query('BEGIN')
    await b.query('BEGIN')
    await a.query("UPDATE t SET v = 'a' WHERE id = 1")
    await b.query("UPDATE t SET v = 'b' WHERE id = 2")
    const outcomes = await Promise.allSettled([
      a.query("UPDATE t SET v = 'a' WHERE id = 2"),
      b.query("UPDATE t SET v = 'b' WHERE id = 1"),
    ])
    await a.query('ROLLBACK')
    await b.query('ROLLBACK')
    const failures = outcomes.flatMap((o) => (o.status === 'rejected' ? [o.reason as unknown] : []))
    expect(failures).toHaveLength(1)
    expect(failures[0]).toMatchObject({ code: '40P01' })
    expect(isTransientDatabaseError(failures[0])).toBe(true)
  })

  it('not a unique violation (23505)', async () => {
    const { a } = await twoClients()
    const error = await caught(() => a.query("INSERT INTO t VALUES (1, 'again')"))
    expect(error).toMatchObject({ code: '23505' })
    expect(isTransientDatabaseError(error)).toBe(false)
  })
})

describe('isTransientDatabaseError on anything else', () => {
  it('is false for values without a transient string code', () => {
    for (const value of [
      undefined,
      null,
      'SQLITE_BUSY',
      new Error('SQLITE_BUSY'),
      { code: 40001 },
      { code: 'sqlite_busy' },
      new CoreError('CORE_INVALID_ARGUMENT', 'no'),
    ]) {
      expect(isTransientDatabaseError(value)).toBe(false)
    }
  })
})
