import { forEachDialect } from '@opskit/test-support'
import { createKyselyReportStore, createMemoryReportStore } from '../src/index.js'
import { runReportStoreConformance } from '../src/testing/index.js'

runReportStoreConformance({ name: 'memory', create: async () => createMemoryReportStore() })

forEachDialect('kysely report store', ({ db, dialect }) => {
  runReportStoreConformance({
    name: `kysely [${dialect}]`,
    create: () => createKyselyReportStore({ db: db(), tablePrefix: 'conf_' }),
  })
})
