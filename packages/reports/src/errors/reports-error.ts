import { OpskitError, type OpskitErrorOptions } from '@opskit/core'

/** Stable codes of the errors `@opskit/reports` throws; match on these, never on messages. */
export type ReportsErrorCode =
  | 'REPORTS_INVALID_OPTIONS'
  | 'REPORTS_INVALID_PARAMS'
  | 'REPORTS_INVALID_DEFINITION'
  | 'REPORTS_NOT_FOUND'
  | 'REPORTS_ARTIFACT_NOT_FOUND'
  | 'REPORTS_FORMAT_UNAVAILABLE'
  | 'REPORTS_RENDER_FAILED'
  | 'REPORTS_CANCELLED'
  | 'REPORTS_TOKEN_INVALID'
  | 'REPORTS_TOKEN_EXPIRED'
  | 'REPORTS_TOKEN_EXHAUSTED'
  | 'REPORTS_TOKEN_IP_MISMATCH'
  | 'REPORTS_CLOSED'
  | 'REPORTS_MIXED_CURRENCIES'
  | 'REPORTS_INVALID_CURRENCY'
  | 'REPORTS_TENANT_REQUIRED'

/**
 * The one error class of `@opskit/reports`; its `code` is a {@link ReportsErrorCode}. Match with
 * `isOpskitError(err, 'REPORTS_TOKEN_EXPIRED')` from `@opskit/core`.
 */
export class ReportsError extends OpskitError<ReportsErrorCode> {
  constructor(
    code: ReportsErrorCode,
    message: string,
    options: Omit<OpskitErrorOptions, 'code' | 'message' | 'package'> = {},
  ) {
    super({ ...options, code, message, package: 'reports' })
  }
}
