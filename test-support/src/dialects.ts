import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { HostDatabase } from '@opskit/core'
import type { Dialect } from '@opskit/core/internal'
import { openSqlite } from '@opskit/core/sqlite'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, inject } from 'vitest'
import { openPostgres } from './postgres.js'
import './provided-context.js'

/** Every dialect of the matrix, whether or not this run enables it. */
const MATRIX_DIALECTS = ['sqlite', 'postgres'] as const

/** The dialects the matrix runs, filtered by `OPSKIT_DIALECTS` (default: sqlite,postgres). */
export function enabledDialects(): Exclude<Dialect, 'mysql'>[] {
  const wanted = (process.env.OPSKIT_DIALECTS ?? 'sqlite,postgres').split(',').map((d) => d.trim())
  return MATRIX_DIALECTS.filter((dialect) => wanted.includes(dialect))
}

/** What a suite run by {@link forEachDialect} gets. */
export interface DialectContext {
  dialect: 'sqlite' | 'postgres'
  /** The suite's database (valid inside tests and hooks). */
  db(): HostDatabase
  /** Opens another connection to the same database (a second "host instance"); closed after the suite. */
  openAnother(): HostDatabase
  /** Where the database lives: a SQLite file path or a PostgreSQL URL. */
  location(): string
}

/** URL of the run's PostgreSQL cluster, started by the shared global setup. */
export function postgresUrl(): string {
  const url = inject('opskitPostgresUrl')
  if (!url)
    throw new Error(
      'no PostgreSQL for this run: add test-support/src/global-setup.ts to the vitest globalSetup',
    )
  return url
}

/** Creates an empty database on the run's cluster and returns its URL. */
export async function createPostgresDatabase(): Promise<string> {
  const admin = openPostgres(postgresUrl(), 1)
  const name = `t_${process.pid}_${Date.now().toString(36)}_${Math.random().toString(36).slice(2, 8)}`
  try {
    await sql.raw(`CREATE DATABASE ${name}`).execute(admin)
  } finally {
    await admin.destroy()
  }
  return postgresUrl().replace(/\/postgres$/, `/${name}`)
}

/** A SQLite file in a fresh temporary directory. */
export function tempSqlitePath(name = 'test.db'): { path: string; cleanup: () => void } {
  const dir = mkdtempSync(join(tmpdir(), 'opskit-sqlite-'))
  return { path: join(dir, name), cleanup: () => rmSync(dir, { recursive: true, force: true }) }
}

/**
 * Runs `suite` once per enabled dialect, each on its own fresh database: a SQLite temp file
 * (WAL, synchronous=FULL) and a new database on the run's PostgreSQL cluster. A dialect that
 * `OPSKIT_DIALECTS` leaves out is still declared, as a skipped suite, so the run reports it as
 * skipped instead of dropping it silently.
 *
 * @example
 * ```ts
 * forEachDialect('audit store', ({ db }) => {
 *   it('appends', async () => { await createAuditLog({ db: db() }) })
 * })
 * ```
 */
export function forEachDialect(name: string, suite: (context: DialectContext) => void): void {
  const enabled = enabledDialects()
  for (const dialect of MATRIX_DIALECTS) {
    describe.skipIf(!enabled.includes(dialect))(`${name} [${dialect}]`, () => {
      let database: HostDatabase | undefined
      let where = ''
      const extra: HostDatabase[] = []
      let cleanup = () => {}
      const open = (): HostDatabase =>
        dialect === 'sqlite' ? openSqlite(where) : (openPostgres(where) as HostDatabase)
      beforeAll(async () => {
        if (dialect === 'sqlite') {
          const temp = tempSqlitePath()
          where = temp.path
          cleanup = temp.cleanup
        } else {
          where = await createPostgresDatabase()
        }
        database = open()
      })
      afterAll(async () => {
        for (const other of extra) await other.destroy()
        await database?.destroy()
        cleanup()
      })
      suite({
        dialect,
        db: () => {
          if (!database) throw new Error('db() is available inside tests and hooks only')
          return database
        },
        openAnother: () => {
          const other = open()
          extra.push(other)
          return other
        },
        location: () => where,
      })
    })
  }
}
