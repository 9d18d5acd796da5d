import { isOpskitError } from '@opskit/core'
import type { AuditError, AuditErrorCode } from '../src/index.js'

export * from '../src/index.js'

/** Whether `error` is an AuditError with `code`. */
export function isAuditError(error: unknown, code: AuditErrorCode): error is AuditError {
  return isOpskitError(error, code)
}
