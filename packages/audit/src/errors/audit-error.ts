import { OpskitError, type OpskitErrorOptions } from '@opskit/core'

/** Stable codes of the errors `@opskit/audit` throws; match on these, never on messages. */
export type AuditErrorCode =
  | 'AUDIT_INVALID_EVENT'
  | 'AUDIT_INVALID_QUERY'
  | 'AUDIT_INVALID_OPTIONS'
  | 'AUDIT_INVALID_CHECKPOINT'
  | 'AUDIT_TENANT_REQUIRED'
  | 'AUDIT_CHAIN_BROKEN'
  | 'AUDIT_STORE_FAILED'
  | 'AUDIT_CLOSED'

/** The one error class of `@opskit/audit`; its `code` is a {@link AuditErrorCode}. */
export class AuditError extends OpskitError<AuditErrorCode> {
  constructor(
    code: AuditErrorCode,
    message: string,
    options: Omit<OpskitErrorOptions, 'code' | 'message' | 'package'> = {},
  ) {
    super({ ...options, code, message, package: 'audit' })
  }
}
