import { OpskitError, type OpskitErrorOptions } from '@opskit/core'

/** Stable codes of the errors `@opskit/ml` throws; match on these, never on messages. */
export type MlErrorCode =
  /** A factory's options fail validation (the factory and the field paths are in the message). */
  | 'ML_INVALID_OPTIONS'
  /** An input (a point, a session, a horizon, a NAB file) fails validation. */
  | 'ML_INVALID_INPUT'
  | 'ML_NAN_INPUT'
  | 'ML_EMPTY_HISTORY'
  | 'ML_FEATURE_LENGTH_MISMATCH'
  | 'ML_NOT_TRAINED'
  | 'ML_MODEL_IO_FAILED'
  | 'ML_BACKEND_UNAVAILABLE'

/** The one error class of `@opskit/ml`; its `code` is a {@link MlErrorCode}. */
export class MlError extends OpskitError<MlErrorCode> {
  constructor(
    code: MlErrorCode,
    message: string,
    options: Omit<OpskitErrorOptions, 'code' | 'message' | 'package'> = {},
  ) {
    super({ ...options, code, message, package: 'ml' })
  }
}
