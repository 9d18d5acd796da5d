import { forEachDialect } from '@opskit/test-support'
import { CamelCasePlugin } from 'kysely'
import { expect, it } from 'vitest'
import { type AuditStore, createAuditLog, createKyselyAuditStore } from '../src/index.js'
import { createMemoryAuditStore, runAuditStoreConformance } from '../src/testing/index.js'

let memory: AuditStore | undefined
runAuditStoreConformance({
  name: 'memory',
  create: async () => {
    memory = createMemoryAuditStore()
    return memory
  },
  // Another handle on the same maps: what a second process would see, for a store in memory.
  reopen: async () => memory as AuditStore,
})

let counter = 0
forEachDialect('kysely audit store', ({ db, dialect }) => {
  // On SQLite files the writer thread is the default; writer-thread.test.ts runs the suite on it.
  runAuditStoreConformance({
    name: `kysely ${dialect} (host connection)`,
    create: () => createKyselyAuditStore({ db: db(), tablePrefix: `c${++counter}_`, writerThread: false }),
    reopen: () => createKyselyAuditStore({ db: db(), tablePrefix: `c${counter}_`, writerThread: false }),
  })
})

forEachDialect('kysely audit store under host plugins', ({ db }) => {
  it('ignores the host CamelCasePlugin', async () => {
    const host = db().withPlugin(new CamelCasePlugin())
    const audit = await createAuditLog({ db: host, tablePrefix: 'camel_', auditReads: false })
    await audit.logLogin({ actor: { id: 'u', name: 'N' }, target: { type: 'user', id: 'u' } })
    const { events } = await audit.query({ targetType: 'user' })
    expect(events.map((e) => [e.seq, e.actor.name])).toEqual([[1, 'N']])
    expect((await audit.verify()).ok).toBe(true)
    await audit.close()
  })
})
