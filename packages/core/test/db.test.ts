import Database from 'better-sqlite3'
import { CompiledQuery, type Migration, sql } from 'kysely'
import { afterEach, describe, expect, it } from 'vitest'
import { forEachDialect, tempSqlitePath } from '../../../test-support/src/index.js'
import { isOpskitError, type MigrationSet, migrate } from '../src/index.js'
import { dialectOf, placeholder, placeholderRows, readSqliteSettings } from '../src/internal/index.js'
import { openSqlite } from '../src/sqlite/index.js'
import { createStatementCache } from '../src/sqlite/statement-cache.js'

const widgets: MigrationSet = (prefix) => ({
  '0001_widgets': {
    async up(db) {
      await db.schema
        .createTable(`${prefix}widgets`)
        .addColumn('id', 'integer', (col) => col.primaryKey())
        .addColumn('name', 'text', (col) => col.notNull())
        .execute()
    },
  } satisfies Migration,
  '0002_widget_color': {
    async up(db) {
      await db.schema.alterTable(`${prefix}widgets`).addColumn('color', 'text').execute()
    },
  } satisfies Migration,
})

forEachDialect('migrate', ({ db, dialect, openAnother }) => {
  it('detects the dialect', () => {
    expect(dialectOf(db())).toBe(dialect)
  })

  it('applies every migration once; running it again is a no-op', async () => {
    const first = await migrate(db(), { namespace: 'demo', migrations: widgets })
    expect(first.applied).toEqual(['0001_widgets', '0002_widget_color'])
    const second = await migrate(db(), { namespace: 'demo', migrations: widgets })
    expect(second.applied).toEqual([])
    await db().insertInto('opskit_widgets').values({ id: 1, name: 'a', color: 'red' }).execute()
    const rows = await db().selectFrom('opskit_widgets').selectAll().execute()
    expect(rows).toEqual([{ id: 1, name: 'a', color: 'red' }])
  })

  it('keeps one migration table per package and honours the table prefix', async () => {
    await migrate(db(), { namespace: 'other', migrations: widgets, tablePrefix: 'acme_' })
    const tables = (await db().introspection.getTables({ withInternalKyselyTables: true })).map(
      (table: { name: string }) => table.name,
    )
    expect(tables).toEqual(
      expect.arrayContaining([
        'opskit_demo_migrations',
        'acme_other_migrations',
        'acme_widgets',
        'opskit_widgets',
      ]),
    )
  })

  it('serialises concurrent migrators from two connections', async () => {
    const other = openAnother()
    const results = await Promise.all([
      migrate(db(), { namespace: 'race', migrations: widgets, tablePrefix: 'race_' }),
      migrate(other, { namespace: 'race', migrations: widgets, tablePrefix: 'race_' }),
    ])
    expect(results.flatMap((r) => r.applied).sort()).toEqual(['0001_widgets', '0002_widget_color'])
  })

  it('reports a failing migration with its name and applies nothing of it', async () => {
    const broken: MigrationSet = (prefix) => ({
      '0001_ok': {
        async up(trx) {
          await trx.schema.createTable(`${prefix}ok`).addColumn('id', 'integer').execute()
        },
      },
      '0002_broken': {
        async up(trx) {
          await sql`this is not sql`.execute(trx)
        },
      },
    })
    let caught: unknown
    try {
      await migrate(db(), { namespace: 'broken', migrations: broken, tablePrefix: 'b_' })
    } catch (error) {
      caught = error
    }
    expect(isOpskitError(caught, 'CORE_MIGRATION_FAILED')).toBe(true)
    expect((caught as Error).message).toContain('0002_broken')
  })
})

describe('migrate input', () => {
  it('refuses an unsafe table prefix', async () => {
    const temp = tempSqlitePath()
    const db = openSqlite(temp.path)
    try {
      await expect(
        migrate(db, { namespace: 'x', migrations: widgets, tablePrefix: 'x; drop table' }),
      ).rejects.toThrow(/table prefix/)
    } finally {
      await db.destroy()
      temp.cleanup()
    }
  })
})

describe('openSqlite', () => {
  const cleanups: Array<() => Promise<void> | void> = []
  afterEach(async () => {
    for (const cleanup of cleanups.splice(0)) await cleanup()
  })

  it('opens a file in WAL mode with a busy timeout and the chosen synchronous level', async () => {
    const temp = tempSqlitePath()
    const db = openSqlite(temp.path, { synchronous: 'normal', busyTimeoutMs: 1234 })
    cleanups.push(() => db.destroy(), temp.cleanup)
    const pragma = async (name: string) =>
      Object.values((await sql.raw(`PRAGMA ${name}`).execute(db)).rows[0] as Record<string, unknown>)[0]
    expect(await pragma('journal_mode')).toBe('wal')
    expect(await pragma('busy_timeout')).toBe(1234)
    expect(await pragma('synchronous')).toBe(1)
    expect(await pragma('foreign_keys')).toBe(1)
    const full = openSqlite(temp.path)
    cleanups.push(() => full.destroy())
    expect(Object.values((await sql.raw('PRAGMA synchronous').execute(full)).rows[0] as object)[0]).toBe(2)
  })

  it('reuses prepared statements across executions, an abandoned stream and a schema change', async () => {
    const temp = tempSqlitePath()
    cleanups.push(temp.cleanup)
    const db = openSqlite(temp.path)
    cleanups.push(() => db.destroy())
    await migrate(db, { namespace: 'demo', migrations: widgets })
    await db
      .insertInto('opskit_widgets')
      .values(Array.from({ length: 50 }, (_, i) => ({ id: i + 1, name: `w${i + 1}` })))
      .execute()
    const query = () => db.selectFrom('opskit_widgets').select(['id', 'name']).orderBy('id')
    let streamed = 0
    for await (const row of query().stream()) {
      streamed++
      if (row.id === 10) break
    }
    expect(streamed).toBe(10)
    for (let i = 0; i < 3; i++) expect(await query().execute()).toHaveLength(50)
    await db.schema.alterTable('opskit_widgets').addColumn('weight', 'integer').execute()
    await db.updateTable('opskit_widgets').set({ weight: 3 }).where('id', '=', 1).execute()
    expect(await db.selectFrom('opskit_widgets').selectAll().where('id', '=', 1).execute()).toEqual([
      { id: 1, name: 'w1', color: null, weight: 3 },
    ])
  })

  it('keeps statements by SQL text, least recently used dropped first, and never hands out a busy one', () => {
    const database = new Database(':memory:')
    cleanups.push(() => {
      database.close()
    })
    database.exec('CREATE TABLE t (n INTEGER); INSERT INTO t VALUES (1), (2), (3)')
    const statements = createStatementCache(database, 2)
    const all = statements.prepare('SELECT n FROM t')
    expect(statements.prepare('SELECT n FROM t')).toBe(all)
    const rows = all.iterate()
    rows.next()
    const whileBusy = statements.prepare('SELECT n FROM t')
    expect(whileBusy).not.toBe(all)
    expect(whileBusy.all()).toHaveLength(3)
    rows.return?.()
    const one = statements.prepare('SELECT 1')
    expect(statements.prepare('SELECT n FROM t')).toBe(all)
    statements.prepare('SELECT 2')
    expect(statements.prepare('SELECT n FROM t')).toBe(all)
    expect(statements.prepare('SELECT 1')).not.toBe(one)
  })

  it('persists data across reopen', async () => {
    const temp = tempSqlitePath()
    cleanups.push(temp.cleanup)
    const db = openSqlite(temp.path)
    await migrate(db, { namespace: 'demo', migrations: widgets })
    await db.insertInto('opskit_widgets').values({ id: 7, name: 'kept' }).execute()
    await db.destroy()
    const again = openSqlite(temp.path)
    cleanups.push(() => again.destroy())
    expect(await again.selectFrom('opskit_widgets').select('name').executeTakeFirst()).toEqual({
      name: 'kept',
    })
  })
})

describe('readSqliteSettings', () => {
  it('reads the journal mode, file, synchronous level and busy timeout of a file database', async () => {
    const temp = tempSqlitePath()
    const db = openSqlite(temp.path, { synchronous: 'full', busyTimeoutMs: 4321 })
    expect(await readSqliteSettings(db)).toEqual({
      journalMode: 'wal',
      file: temp.path,
      synchronous: 2,
      busyTimeoutMs: 4321,
    })
    await db.destroy()
    temp.cleanup()
  })

  it('has no file for an in-memory database', async () => {
    const db = openSqlite(':memory:')
    const settings = await readSqliteSettings(db)
    expect(settings.file).toBeUndefined()
    expect(settings.journalMode).toBe('memory')
    await db.destroy()
  })
})

describe('placeholderRows', () => {
  it('numbers PostgreSQL markers across rows and from an offset, and uses ? elsewhere', () => {
    expect(placeholderRows('postgres', 2, 3)).toBe('($1, $2, $3), ($4, $5, $6)')
    expect(placeholderRows('postgres', 1, 2, 4)).toBe('($4, $5)')
    expect(placeholderRows('sqlite', 2, 2)).toBe('(?, ?), (?, ?)')
    expect(placeholder('postgres', 7)).toBe('$7')
    expect(placeholder('sqlite', 7)).toBe('?')
  })

  forEachDialect('placeholderRows in a multi-row insert', ({ db, dialect }) => {
    it('binds every value where it belongs', async () => {
      await sql`CREATE TABLE marks (a INTEGER, b TEXT)`.execute(db())
      const text = `INSERT INTO marks (a, b) VALUES ${placeholderRows(dialect, 3, 2)}`
      await db().executeQuery(CompiledQuery.raw(text, [1, 'x', 2, 'y', 3, 'z']))
      const rows = await sql<{ a: number; b: string }>`SELECT a, b FROM marks ORDER BY a`.execute(db())
      expect(rows.rows.map((row) => [Number(row.a), row.b])).toEqual([
        [1, 'x'],
        [2, 'y'],
        [3, 'z'],
      ])
    })
  })
})
