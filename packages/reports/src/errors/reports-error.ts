import { OpskitError, type OpskitErrorOptions } from '@opskit/core'

/** Stable codes of the errors `@opskit/reports` throws; match on these, never on messages. */
export type ReportErrorCode =
  | 'REPORT_INVALID_PARAMS'
  | 'REPORT_NOT_FOUND'
  | 'REPORT_RENDER_FAILED'
  | 'REPORT_TOKEN_INVALID'
  | 'REPORT_CLOSED'

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
