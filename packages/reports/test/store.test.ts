import type { HostDatabase } from '@opskit/core'
import { forEachDialect } from '@opskit/test-support'
import { sql } from 'kysely'
import { createKyselyReportsStore, type ReportsStore, reportsTables } from '../src/index.js'
import { createMemoryReportsStore, runReportsStoreConformance } from '../src/testing/index.js'

runReportsStoreConformance({ name: 'memory', create: async () => createMemoryReportsStore() })

forEachDialect('kysely reports store', ({ db, dialect, openAnother }) => {
  // Each case gets its own tables (a fresh, empty store); reopen opens a second connection to
  // them, as another host process would.
  let cases = 0
  let prefix = ''
  let another: HostDatabase | undefined
  runReportsStoreConformance({
    name: `kysely [${dialect}]`,
    create: () => {
      prefix = `conf${++cases}_`
      return createKyselyReportsStore({ db: db(), tablePrefix: prefix })
    },
    reopen: () => {
      another ??= openAnother()
      return createKyselyReportsStore({ db: another, tablePrefix: prefix })
    },
    destroy: async (store: ReportsStore) => {
      await store.close()
      const tables = [
        ...Object.values(reportsTables(prefix)),
        `${prefix}reports_migrations`,
        `${prefix}reports_migrations_lock`,
      ]
      for (const table of tables) await sql`drop table if exists ${sql.table(table)}`.execute(db())
    },
  })
})
