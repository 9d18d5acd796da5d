import { describe, expect, it } from 'vitest'
import { type AuditStore, createAuditLog } from '../src/index.js'
import { createMemoryAuditStore } from '../src/testing/index.js'

// How the log hands chunks to a pipelining store (the SQLite writer thread): chunks posted back
// to back in one turn, marked `more` while another follows, and no group grows past maxBatch.

/** A memory store that says it pipelines, recording each append's size and `more` flag. */
function pipeliningStore() {
  const memory = createMemoryAuditStore()
  const appends: Array<{ events: number; more: boolean }> = []
  const store: AuditStore = {
    ...memory,
    pipeline: { maxInFlight: 16, chunkSize: 100 },
    append(plan) {
      appends.push({
        events: plan.chains.reduce((sum, chain) => sum + chain.count, 0),
        more: plan.more === true,
      })
      return memory.append(plan)
    },
  }
  return { store, appends }
}

const event = (i: number) => ({
  action: 'document.view',
  category: 'data_access' as const,
  actor: { id: `user_${i % 7}` },
  target: { type: 'document', id: `doc_${i}` },
})

describe('group writer with a pipelining store', () => {
  it('closes a group at maxBatch events between chunks of one turn', async () => {
    const { store, appends } = pipeliningStore()
    const audit = await createAuditLog({ store, auditReads: false, maxBatch: 150 })
    await Promise.all(Array.from({ length: 300 }, (_, i) => audit.log(event(i))))
    expect(appends).toEqual([
      { events: 100, more: true },
      { events: 50, more: false },
      { events: 100, more: true },
      { events: 50, more: false },
    ])
    expect(await audit.verify()).toMatchObject({ ok: true, checked: 300 })
    await audit.close()
  })
})
