import { createCheckpoint } from '../checkpoint/checkpoint.js'
import type { ChainHead, StoredEventRow } from '../store/audit-store.js'
import { lastRowOfEachChain } from '../store/audit-store.js'
import type { AuditCheckpoint } from './audit-log.js'
import { type AuditLogContext, originOf } from './log-context.js'

/** Signs a checkpoint of each chain every `checkpointEvery` events, on demand and on close. */
export interface Checkpointer {
  /** Records a committed group (rows grouped by chain in seq order); checkpoints full intervals. */
  committed(
    rows: readonly StoredEventRow[],
    counts: ReadonlyArray<{ chainId: string; count: number }>,
  ): Promise<void>
  /** Checkpoints every chain written since its last checkpoint; resolves to what it made. */
  checkpointWritten(reason: 'interval' | 'close'): Promise<AuditCheckpoint[]>
  /** Hands a checkpoint or retention statement to `onCheckpoint` (failures are logged, not thrown). */
  shipOutside(record: AuditCheckpoint): Promise<void>
}

/** The checkpointer of one log: it counts events per chain and tracks the heads this process wrote. */
export function createCheckpointer(context: Pick<AuditLogContext, 'store' | 'options'>): Checkpointer {
  const { store, options } = context
  const sinceCheckpoint = new Map<string, number>()
  const lastWritten = new Map<string, ChainHead>()

  const shipOutside = async (record: AuditCheckpoint): Promise<void> => {
    if (!options.onCheckpoint) return
    try {
      await options.onCheckpoint(record)
    } catch (error) {
      options.logger.error({ err: error, chainId: record.chainId }, 'audit onCheckpoint hook failed')
    }
  }

  const emit = async (head: ChainHead, reason: 'interval' | 'close'): Promise<AuditCheckpoint> => {
    const made = createCheckpoint({
      origin: originOf(options, head.chainId),
      size: head.seq,
      rootHash: head.hash,
      signingKey: options.signingKey,
      keyName: options.keyName,
    })
    const checkpoint: AuditCheckpoint = { ...made, chainId: head.chainId, reason }
    await store.saveCheckpoint({
      chainId: head.chainId,
      seq: head.seq,
      hash: head.hash,
      text: made.text,
      createdAt: options.clock.now(),
    })
    sinceCheckpoint.set(head.chainId, 0)
    await shipOutside(checkpoint)
    return checkpoint
  }

  return {
    shipOutside,

    async committed(rows, counts) {
      // Rows come grouped by chain in seq order: the last row of each group is that chain's head.
      for (const row of lastRowOfEachChain(rows)) {
        // With pipelined appends a batch may finish after one that chained on it.
        if ((lastWritten.get(row.chainId)?.seq ?? 0) < row.seq)
          lastWritten.set(row.chainId, { chainId: row.chainId, seq: row.seq, hash: row.hash })
      }
      for (const { chainId, count } of counts) {
        const total = (sinceCheckpoint.get(chainId) ?? 0) + count
        sinceCheckpoint.set(chainId, total)
        if (total >= options.checkpointEvery) await emit(lastWritten.get(chainId) as ChainHead, 'interval')
      }
    },

    async checkpointWritten(reason) {
      const made: AuditCheckpoint[] = []
      for (const [chainId, count] of sinceCheckpoint) {
        const head = lastWritten.get(chainId)
        if (count > 0 && head) made.push(await emit(head, reason))
      }
      return made
    },
  }
}
