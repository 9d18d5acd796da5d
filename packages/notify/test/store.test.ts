import { forEachDialect } from '@opskit/test-support'
import { createKyselyNotifyStore } from '../src/index.js'
import { createMemoryNotifyStore, runNotifyStoreConformance } from '../src/testing/index.js'

runNotifyStoreConformance({ name: 'memory', create: async () => createMemoryNotifyStore() })

forEachDialect('kysely notify store', ({ db }) => {
  runNotifyStoreConformance({
    name: 'kysely',
    supportsTransactions: true,
    create: async () => createKyselyNotifyStore({ db: db(), tablePrefix: 'app_' }),
  })
})
