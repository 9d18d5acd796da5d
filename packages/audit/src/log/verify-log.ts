import { toPublicKey } from '../checkpoint/checkpoint.js'
import { groupOutsideRecords } from '../verify/outside-records.js'
import { verifyChain } from '../verify/verify-chain.js'
import type { AuditLog, VerifyResult } from './audit-log.js'
import { type AuditLogContext, originOf } from './log-context.js'

/**
 * `verify`: flushes, then verifies every chain (or the tenant's) from its anchor to its head,
 * against the outside records when given; reports metrics and logs failures and caveats.
 */
export function createVerify(
  context: Pick<AuditLogContext, 'store' | 'options' | 'flush'>,
): AuditLog['verify'] {
  const { store, options } = context
  return async (verifyOptions = {}) => {
    await context.flush()
    const publicKey = verifyOptions.publicKey ? toPublicKey(verifyOptions.publicKey) : options.publicKey
    const outside =
      verifyOptions.checkpoint === undefined
        ? undefined
        : groupOutsideRecords(verifyOptions.checkpoint, options.originBase)
    const heads = await store.heads(verifyOptions.tenantId)
    const chainIds = new Set(heads.map((head) => head.chainId))
    for (const chainId of outside?.keys() ?? [])
      if (verifyOptions.tenantId === undefined || chainId === verifyOptions.tenantId) chainIds.add(chainId)
    const result: VerifyResult = { ok: true, checked: 0, headSeq: 0, failures: [], caveats: [], chains: [] }
    for (const chainId of [...chainIds].sort()) {
      const chain = await verifyChain(store, chainId, {
        origin: originOf(options, chainId),
        from: verifyOptions.from,
        to: verifyOptions.to,
        publicKey,
        outside: outside && (outside.get(chainId) ?? { checkpoints: [], retentions: [] }),
      })
      result.checked += chain.checked
      result.headSeq = Math.max(result.headSeq, chain.headSeq)
      result.failures.push(...chain.failures)
      result.caveats.push(...chain.caveats)
      result.chains.push({ chainId, headSeq: chain.headSeq, checked: chain.checked })
    }
    result.ok = result.failures.length === 0
    options.metrics.verified?.(result.checked, result.failures.length)
    if (!result.ok)
      options.logger.warn({ failures: result.failures.slice(0, 10) }, 'audit trail verification failed')
    else if (result.caveats.length > 0)
      options.logger.warn({ caveats: result.caveats.slice(0, 10) }, 'audit trail verified with caveats')
    return result
  }
}
