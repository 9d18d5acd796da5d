import { OpskitError, type OpskitErrorOptions } from '@opskit/core'

/** Stable codes of the errors `@opskit/reports` throws; match on these, never on messages. */
export type ReportErrorCode =
  | 'REPORT_INVALID_PARAMS'
  | 'REPORT_INVALID_DEFINITION'
  | 'REPORT_NOT_FOUND'
  | 'REPORT_ARTIFACT_NOT_FOUND'
  | 'REPORT_FORMAT_UNAVAILABLE'
  | 'REPORT_RENDER_FAILED'
  | 'REPORT_CANCELLED'
  | 'REPORT_TOKEN_INVALID'
  | 'REPORT_TOKEN_EXPIRED'
  | 'REPORT_TOKEN_EXHAUSTED'
  | 'REPORT_TOKEN_IP_MISMATCH'
  | 'REPORT_CLOSED'
  | 'REPORT_MIXED_CURRENCIES'
  | 'REPORT_INVALID_CURRENCY'

/** The one error class of `@opskit/reports`; its `code` is a {@link ReportErrorCode}. */
export class ReportError extends OpskitError<ReportErrorCode> {
  constructor(
    code: ReportErrorCode,
    message: string,
    options: Omit<OpskitErrorOptions, 'code' | 'message' | 'package'> = {},
  ) {
    super({ ...options, code, message, package: 'reports' })
  }
}

/** Whether `error` is a {@link ReportError} (also across duplicated copies of the package). */
export function isOpskitReportError(error: unknown): error is ReportError {
  return error instanceof Error && (error as { package?: unknown }).package === 'reports' && 'code' in error
}
