import { MlError } from '../errors/ml-error.js'

/** The bad-options error of every factory of `@opskit/ml`: `ML_INVALID_OPTIONS`, naming the factory. */
export const invalidOptions =
  (factory: string) =>
  (message: string): MlError =>
    new MlError('ML_INVALID_OPTIONS', `${factory}: ${message}`)
