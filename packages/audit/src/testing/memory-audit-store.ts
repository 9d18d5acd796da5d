import { randomBytes } from 'node:crypto'
import { uuidv7 } from '@opskit/core'
import { GENESIS_HASH } from '../event/canonical.js'
import type {
  AppendPlan,
  AuditStore,
  ChainHead,
  StoredCheckpoint,
  StoredEventRow,
  StoreFilter,
  SubjectKey,
} from '../store/audit-store.js'

/** An in-memory {@link AuditStore} with its raw state exposed for tamper tests. */
export interface MemoryAuditStore extends AuditStore {
  /** The stored rows per chain, in seq order; tests may edit them to simulate an attacker. */
  readonly chains: Map<string, StoredEventRow[]>
}

function matches(row: StoredEventRow, filter: StoreFilter): boolean {
  return (
    (filter.chainId === undefined || row.chainId === filter.chainId) &&
    (filter.tenantId === undefined || row.tenantId === filter.tenantId) &&
    (filter.actorId === undefined || row.actorId === filter.actorId) &&
    (filter.action === undefined || row.action === filter.action) &&
    (filter.actionPrefix === undefined || row.action.startsWith(filter.actionPrefix)) &&
    (filter.category === undefined || row.category === filter.category) &&
    (filter.targetType === undefined || row.targetType === filter.targetType) &&
    (filter.targetId === undefined || row.targetId === filter.targetId) &&
    (filter.outcome === undefined || row.outcome === filter.outcome) &&
    (filter.severity === undefined || row.severity === filter.severity) &&
    (filter.from === undefined || row.occurredAt >= filter.from) &&
    (filter.to === undefined || row.occurredAt < filter.to)
  )
}

/**
 * An {@link AuditStore} in process memory, for hosts' unit tests (`createAuditLog({ store:
 * createMemoryAuditStore() })`). Same semantics as the database store: atomic appends,
 * serialised writers, retention anchors; nothing survives the process.
 */
export function createMemoryAuditStore(): MemoryAuditStore {
  const chains = new Map<string, StoredEventRow[]>()
  const heads = new Map<string, ChainHead>()
  const keys = new Map<string, SubjectKey>()
  const checkpoints = new Map<string, StoredCheckpoint[]>()
  const anchors = new Map<string, StoredCheckpoint[]>()
  const copy = (row: StoredEventRow): StoredEventRow => ({ ...row })

  return {
    name: 'memory',
    chains,

    async append(plan: AppendPlan) {
      const before = new Map<string, ChainHead>()
      for (const { chainId } of plan.chains) {
        before.set(chainId, { ...(heads.get(chainId) ?? { chainId, seq: 0, hash: GENESIS_HASH }) })
      }
      const subjectKeys = new Map<string, SubjectKey>()
      for (const subjectId of plan.subjects) {
        let key = keys.get(subjectId)
        if (!key) {
          key = { subjectId, keyId: uuidv7(), key: randomBytes(32) }
          keys.set(subjectId, key)
        }
        subjectKeys.set(subjectId, key)
      }
      // seal throws before anything is stored, so a failed append writes nothing.
      const rows = plan.seal({ heads: before, keys: subjectKeys })
      for (const row of rows) {
        let chain = chains.get(row.chainId)
        if (!chain) {
          chain = []
          chains.set(row.chainId, chain)
        }
        chain.push(copy(row))
        heads.set(row.chainId, { chainId: row.chainId, seq: row.seq, hash: row.hash })
      }
      return rows
    },

    async readEvents(filter, { limit, beforeId }) {
      const out: StoredEventRow[] = []
      for (const chain of chains.values()) {
        for (const row of chain) {
          if ((beforeId === undefined || row.id < beforeId) && matches(row, filter)) out.push(copy(row))
        }
      }
      out.sort((a, b) => (a.id < b.id ? 1 : a.id > b.id ? -1 : 0))
      return out.slice(0, limit)
    },

    async readChain(chainId, { afterSeq, toSeq, limit }) {
      const rows = (chains.get(chainId) ?? [])
        .filter((row) => row.seq > afterSeq && (toSeq === undefined || row.seq <= toSeq))
        .sort((a, b) => a.seq - b.seq)
      return rows.slice(0, limit).map(copy)
    },

    async heads(chainId) {
      const all = [...heads.values()].filter((head) => chainId === undefined || head.chainId === chainId)
      return all.sort((a, b) => (a.chainId < b.chainId ? -1 : 1)).map((head) => ({ ...head }))
    },

    async getKeys(keyIds) {
      const wanted = new Set(keyIds)
      const out = new Map<string, SubjectKey>()
      for (const key of keys.values()) if (wanted.has(key.keyId)) out.set(key.keyId, key)
      return out
    },

    async destroyKey(subjectId) {
      return keys.delete(subjectId)
    },

    async saveCheckpoint(checkpoint) {
      const list = checkpoints.get(checkpoint.chainId) ?? []
      if (!list.some((existing) => existing.seq === checkpoint.seq)) list.push({ ...checkpoint })
      list.sort((a, b) => a.seq - b.seq)
      checkpoints.set(checkpoint.chainId, list)
    },

    async checkpoints(chainId) {
      return (checkpoints.get(chainId) ?? []).map((checkpoint) => ({ ...checkpoint }))
    },

    async retain(anchor) {
      const list = anchors.get(anchor.chainId) ?? []
      list.push({ ...anchor })
      anchors.set(anchor.chainId, list)
      const chain = chains.get(anchor.chainId) ?? []
      const kept = chain.filter((row) => row.seq > anchor.seq)
      chains.set(anchor.chainId, kept)
      return chain.length - kept.length
    },

    async anchor(chainId) {
      const list = anchors.get(chainId) ?? []
      const newest = list.reduce<StoredCheckpoint | undefined>(
        (best, item) => (best === undefined || item.seq > best.seq ? item : best),
        undefined,
      )
      return newest ? { ...newest } : undefined
    },

    async close() {},
  }
}
