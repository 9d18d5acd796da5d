import type { Checkpoint } from '../checkpoint/checkpoint.js'
import { parseOutsideRecord } from '../checkpoint/outside-record.js'
import type { RetentionStatement } from '../checkpoint/retention-statement.js'
import { AuditError } from '../errors/audit-error.js'

/** Outside records as `verify` takes them: text or parsed, one or a list. */
export type OutsideRecordInput =
  | string
  | Checkpoint
  | RetentionStatement
  | ReadonlyArray<string | Checkpoint | RetentionStatement>

/**
 * Groups the host's outside records by chain: each is parsed again from its text (the signature
 * covers the text, not the object's other members) and its origin mapped to a chain of this log
 * (`originBase` for the default chain, `originBase/tenant/<id>` for a tenant's); a record of
 * another log is `AUDIT_INVALID_CHECKPOINT`.
 */
export function groupOutsideRecords(
  input: OutsideRecordInput,
  originBase: string,
): Map<string, { checkpoints: Checkpoint[]; retentions: RetentionStatement[] }> {
  const byChain = new Map<string, { checkpoints: Checkpoint[]; retentions: RetentionStatement[] }>()
  const list: ReadonlyArray<string | Checkpoint | RetentionStatement> = Array.isArray(input) ? input : [input]
  const tenantPrefix = `${originBase}/tenant/`
  for (const item of list) {
    const record = parseOutsideRecord(typeof item === 'string' ? item : item.text)
    let chainId: string
    if (record.origin === originBase) chainId = ''
    else if (record.origin.startsWith(tenantPrefix) && record.origin.length > tenantPrefix.length)
      chainId = record.origin.slice(tenantPrefix.length)
    else
      throw new AuditError(
        'AUDIT_INVALID_CHECKPOINT',
        `checkpoint origin "${record.origin}" is not one of this log`,
      )
    const records = byChain.get(chainId) ?? { checkpoints: [], retentions: [] }
    if (record.kind === 'retention') records.retentions.push(record)
    else records.checkpoints.push(record)
    byChain.set(chainId, records)
  }
  return byChain
}
