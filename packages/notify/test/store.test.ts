import { forEachDialect } from '@opskit/test-support'
import { createKyselyNotifyStore } from '../src/index.js'
import { createMemoryNotifyStore, runNotifyStoreConformance } from '../src/testing/index.js'

runNotifyStoreConformance({ name: 'memory', create: async () => createMemoryNotifyStore() })

forEachDialect('kysely notify store', ({ db, openAnother }) => {
  runNotifyStoreConformance({
    name: 'kysely',
    db,
    create: () => createKyselyNotifyStore({ db: db(), tablePrefix: 'app_' }),
    // another connection to the same database, as a second process would open it
    reopen: () => createKyselyNotifyStore({ db: openAnother(), tablePrefix: 'app_' }),
  })
})
