import { forEachDialect } from '@opskit/test-support'
import { createKyselyAuditStore } from '../src/index.js'
import { createMemoryAuditStore, runAuditStoreConformance } from '../src/testing/index.js'

runAuditStoreConformance({ name: 'memory', create: () => createMemoryAuditStore() })

let counter = 0
forEachDialect('kysely audit store', ({ db, dialect }) => {
  runAuditStoreConformance({
    name: `kysely ${dialect}`,
    create: () => createKyselyAuditStore({ db: db(), tablePrefix: `c${++counter}_` }),
  })
})
