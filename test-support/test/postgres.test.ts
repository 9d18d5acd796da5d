import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { sql } from 'kysely'
import { describe, expect, it } from 'vitest'
import { enabledDialects, forEachDialect, startPostgres } from '../src/index.js'

function postgresPids(port: number): string[] {
  try {
    return execFileSync('pgrep', ['-f', `postgres.*-p ${port}`], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .filter(Boolean)
  } catch {
    return []
  }
}

describe.skipIf(!enabledDialects().includes('postgres'))('startPostgres', () => {
  it('starts a real server on loopback and stops it without leaving a process or directory', async () => {
    const cluster = await startPostgres()
    const { rows } = await sql<{ version: string }>`select version() as version`.execute(cluster.db)
    expect(rows[0]?.version).toMatch(/^PostgreSQL \d+/)
    const url = await cluster.createDatabase()
    expect(url).toMatch(/^postgres:\/\/postgres@127\.0\.0\.1:\d+\/t_/)
    expect(postgresPids(cluster.port).length).toBeGreaterThan(0)
    const dataDir = execFileSync('sh', ['-c', `ls -d /tmp/opskit-pg-* 2>/dev/null || true`], {
      encoding: 'utf8',
    })
    await cluster.stop()
    await cluster.stop()
    expect(postgresPids(cluster.port)).toEqual([])
    for (const dir of dataDir.split('\n').filter(Boolean)) {
      if (dir.endsWith(String(cluster.port))) expect(existsSync(dir)).toBe(false)
    }
  })
})

describe.skipIf(!enabledDialects().includes('postgres'))('startPostgres({ durable })', () => {
  it('keeps fsync, full_page_writes and synchronous_commit on only when durable', async () => {
    const settings = async (durable: boolean) => {
      const cluster = await startPostgres({ durable })
      try {
        const { rows } = await sql<{ name: string; setting: string }>`
          select name, setting from pg_settings
          where name in ('fsync', 'full_page_writes', 'synchronous_commit') order by name`.execute(cluster.db)
        return rows.map((r) => `${r.name}=${r.setting}`)
      } finally {
        await cluster.stop()
      }
    }
    expect(await settings(true)).toEqual(['fsync=on', 'full_page_writes=on', 'synchronous_commit=on'])
    expect(await settings(false)).toEqual(['fsync=off', 'full_page_writes=off', 'synchronous_commit=off'])
  })
})

forEachDialect('forEachDialect', ({ db, dialect, openAnother }) => {
  it('gives each suite its own writable database, and a second connection to it', async () => {
    await db().schema.createTable('probe').addColumn('id', 'integer').execute()
    await db().insertInto('probe').values({ id: 1 }).execute()
    const other = openAnother()
    expect(await other.selectFrom('probe').selectAll().execute()).toEqual([{ id: 1 }])
    expect(['sqlite', 'postgres']).toContain(dialect)
  })
})
