import { describe, expect, it } from 'vitest'
import { type AuditStore, createAuditLog } from '../src/index.js'
import { createMemoryAuditStore } from '../src/testing/index.js'

// How the log hands chunks to a pipelining store (the SQLite writer thread): a full chunk goes
// out in the very log() call that queued its last event, so the store starts writing it while
// the host is still taking the rest of the group; the turn then closes the group, with its last
// chunk or with endGroup, and no group grows past maxBatch.

/** A memory store that says it pipelines, recording each append's size and `more` flag. */
function pipeliningStore() {
  const memory = createMemoryAuditStore()
  const appends: Array<{ events: number; more: boolean }> = []
  let groupsEnded = 0
  const store: AuditStore = {
    ...memory,
    pipeline: { maxInFlight: 16, chunkSize: 100 },
    endGroup() {
      groupsEnded++
    },
    append(plan) {
      appends.push({
        events: plan.chains.reduce((sum, chain) => sum + chain.count, 0),
        more: plan.more === true,
      })
      return memory.append(plan)
    },
  }
  return { store, appends, groupsEnded: () => groupsEnded }
}

const event = (i: number) => ({
  action: 'document.view',
  category: 'data_access' as const,
  actor: { id: `user_${i % 7}` },
  target: { type: 'document', id: `doc_${i}` },
})

describe('group writer with a pipelining store', () => {
  it('hands a full chunk over in the log() call that queues its last event', async () => {
    const { store, appends, groupsEnded } = pipeliningStore()
    const audit = await createAuditLog({ store, auditReads: false })
    const logged: Array<Promise<unknown>> = []
    for (let i = 0; i < 250; i++) {
      logged.push(audit.log(event(i)))
      if (i === 98) expect(appends).toEqual([])
      if (i === 99) expect(appends).toEqual([{ events: 100, more: true }])
    }
    expect(appends).toEqual([
      { events: 100, more: true },
      { events: 100, more: true },
    ])
    await Promise.all(logged)
    // The turn's pump sends the rest as the group's last chunk.
    expect(appends).toEqual([
      { events: 100, more: true },
      { events: 100, more: true },
      { events: 50, more: false },
    ])
    expect(groupsEnded()).toBe(0)
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 250 })
    await audit.close()
  })

  it('ends a group whose last chunk went out early, once, in the same turn', async () => {
    const { store, appends, groupsEnded } = pipeliningStore()
    const audit = await createAuditLog({ store, auditReads: false })
    const logged = Array.from({ length: 200 }, (_, i) => audit.log(event(i)))
    expect(groupsEnded()).toBe(0)
    await new Promise((resolve) => setImmediate(resolve))
    expect(groupsEnded()).toBe(1)
    await Promise.all(logged)
    expect(appends).toEqual([
      { events: 100, more: true },
      { events: 100, more: true },
    ])
    expect(groupsEnded()).toBe(1)
    await audit.close()
  })

  it('closes a group at maxBatch events, also between chunks handed over early', async () => {
    const { store, appends, groupsEnded } = pipeliningStore()
    const audit = await createAuditLog({ store, auditReads: false, maxBatch: 150 })
    await Promise.all(Array.from({ length: 300 }, (_, i) => audit.log(event(i))))
    expect(appends).toEqual([
      { events: 100, more: true },
      { events: 50, more: false },
      { events: 100, more: true },
      { events: 50, more: false },
    ])
    expect(groupsEnded()).toBe(0)
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 300 })
    await audit.close()
  })
})
