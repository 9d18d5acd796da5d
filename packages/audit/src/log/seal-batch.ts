import { chainHash, leafHash } from '../event/canonical.js'
import { encodeBody, PERSONAL_ACTOR_FIELDS, sealActor, storedRow } from '../event/event-body.js'
import type { ParsedAuditEvent } from '../event/event-schema.js'
import type { AppendPlan, ChainHead, StoredEventRow, SubjectKey } from '../store/audit-store.js'
import type { LoggedEvent } from './audit-log.js'
import type { AuditLogContext } from './log-context.js'

/** A validated event waiting for its group commit. */
export interface PendingEvent {
  event: ParsedAuditEvent & { occurredAt: number; sanitized?: string[] }
  chainId: string
  id: string
  resolve(value: LoggedEvent): void
  reject(error: unknown): void
  /** Set while sealing: the row this event became. */
  row?: StoredEventRow
}

/** An append plan for one batch, and what sealing it learnt. */
export interface SealedBatchPlan {
  plan: AppendPlan
  /** Events per chain, sorted by chain id. */
  chains: ReadonlyArray<{ chainId: string; count: number }>
  /** The subject keys the last `seal` used (empty until the store called it). */
  sealedKeys(): ReadonlyMap<string, SubjectKey>
}

/** The subjects whose personal fields a batch encrypts (none when encryption is off). */
function subjectsOf(batch: readonly PendingEvent[], encrypt: boolean): string[] {
  if (!encrypt) return []
  const subjects = new Set<string>()
  for (const pending of batch) {
    const actor = pending.event.actor
    if (PERSONAL_ACTOR_FIELDS.some((field) => actor[field] !== undefined)) subjects.add(actor.id)
  }
  return [...subjects]
}

/**
 * Plans the append of `batch`: its chains in lock order, the subject keys it needs, and `seal`,
 * which the store calls inside its transaction with the locked heads. Sealing encrypts personal
 * fields, encodes each body once, hashes it onto the chain and sets each event's `row`; a store
 * that retries calls it again against the then-current heads.
 */
export function planBatch(
  batch: readonly PendingEvent[],
  more: boolean,
  context: Pick<AuditLogContext, 'options' | 'sealer'>,
): SealedBatchPlan {
  const { options, sealer } = context
  const byChain = new Map<string, PendingEvent[]>()
  for (const pending of batch) {
    const list = byChain.get(pending.chainId)
    if (list) list.push(pending)
    else byChain.set(pending.chainId, [pending])
  }
  const chains = [...byChain.keys()]
    .sort()
    .map((chainId) => ({ chainId, count: (byChain.get(chainId) as PendingEvent[]).length }))
  let sealedKeys: ReadonlyMap<string, SubjectKey> = new Map()
  const plan: AppendPlan = {
    chains,
    subjects: subjectsOf(batch, options.encryptPersonalData),
    more,
    seal: ({ heads, keys }) => {
      sealedKeys = keys
      const recordedAt = options.clock.now()
      // One field sealer per subject for the whole batch, not a closure per event.
      const sealers = new Map<string, (field: string, value: string) => string>()
      const sealerOf = (key: SubjectKey) => {
        let seal = sealers.get(key.subjectId)
        if (!seal) {
          seal = (field, value) => sealer.seal(key, field, value)
          sealers.set(key.subjectId, seal)
        }
        return seal
      }
      const out: StoredEventRow[] = []
      for (const { chainId } of chains) {
        const head = heads.get(chainId) as ChainHead
        let prev = head.hash
        let seq = head.seq
        for (const pending of byChain.get(chainId) as PendingEvent[]) {
          seq++
          const key = keys.get(pending.event.actor.id)
          const actor = sealActor(pending.event.actor, key ? sealerOf(key) : undefined)
          const position = { id: pending.id, chainId, seq, recordedAt }
          const body = encodeBody(pending.event, position, actor)
          const leaf = leafHash(body)
          const hash = chainHash(prev, leaf)
          const row = storedRow(pending.event, position, body, leaf, prev, hash)
          out.push(row)
          pending.row = row
          prev = hash
        }
      }
      return out
    },
  }
  return { plan, chains, sealedKeys: () => sealedKeys }
}
