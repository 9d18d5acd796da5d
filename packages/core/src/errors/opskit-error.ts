const OPSKIT_ERROR_BRAND = Symbol.for('opskit.error')

/** Options accepted by the {@link OpskitError} constructor. */
export interface OpskitErrorOptions<Code extends string = string> {
  /** Stable, machine-readable code such as `AUDIT_INVALID_EVENT`; match on this, never on the message. */
  code: Code
  /** What went wrong, written for the developer who reads it in a log. */
  message: string
  /** The opskit package that raised the error, e.g. `audit`. @default 'core' */
  package?: string | undefined
  /** The underlying error, if any. Non-Error causes are wrapped in an `Error`. */
  cause?: unknown
  /** Structured context (field paths, limits, ids). Never put secrets here. */
  details?: Record<string, unknown> | undefined
  /** Whether repeating the same call may succeed (transient failure). @default false */
  retryable?: boolean | undefined
}

function normaliseCause(cause: unknown): Error | undefined {
  if (cause === undefined) return undefined
  if (cause instanceof Error) return cause
  if (typeof cause === 'string') return new Error(cause)
  try {
    return new Error(JSON.stringify(cause))
  } catch {
    return new Error(String(cause))
  }
}

/**
 * Base class of every error an opskit package throws.
 *
 * Each package exports one subclass with its own union of codes (`AuditError` with
 * `AuditErrorCode`, `NotifyError` with `NotifyErrorCode`, …). Match on `code` with
 * {@link isOpskitError}, which also works across duplicated copies of the package.
 *
 * @example
 * ```ts
 * try { await audit.log(event) } catch (err) {
 *   if (isOpskitError(err, 'AUDIT_INVALID_EVENT')) return reply.status(400).send(err.message)
 *   throw err
 * }
 * ```
 */
export class OpskitError<Code extends string = string> extends Error {
  /** Stable, machine-readable error code. */
  readonly code: Code
  /** The opskit package that raised the error. */
  readonly package: string
  /** Structured context for logs and tests. */
  readonly details: Record<string, unknown> | undefined
  /** Whether repeating the same call may succeed. */
  readonly retryable: boolean
  declare readonly cause: Error | undefined

  constructor(options: OpskitErrorOptions<Code>) {
    const pkg = options.package ?? 'core'
    super(`[opskit/${pkg}] ${options.message}`, { cause: normaliseCause(options.cause) })
    this.name = new.target.name
    this.code = options.code
    this.package = pkg
    this.details = options.details
    this.retryable = options.retryable ?? false
    Object.defineProperty(this, OPSKIT_ERROR_BRAND, { value: true })
  }

  /** A plain object for structured logs and JSON responses (no stack, no cause chain). */
  toJSON(): {
    name: string
    code: Code
    package: string
    message: string
    details?: Record<string, unknown>
  } {
    return {
      name: this.name,
      code: this.code,
      package: this.package,
      message: this.message,
      ...(this.details ? { details: this.details } : {}),
    }
  }
}

/**
 * Whether `err` is an opskit error, optionally with the given code.
 *
 * Uses a global symbol brand rather than `instanceof`, so it holds when the host ends up with
 * two copies of an opskit package.
 */
export function isOpskitError<Code extends string = string>(
  err: unknown,
  code?: Code,
): err is OpskitError<Code> {
  if (typeof err !== 'object' || err === null) return false
  if ((err as Record<symbol, unknown>)[OPSKIT_ERROR_BRAND] !== true) return false
  return code === undefined || (err as OpskitError).code === code
}

/** Codes raised by `@opskit/core` itself. */
export type CoreErrorCode =
  | 'CORE_INVALID_ARGUMENT'
  | 'CORE_REQUIRED_OPTION'
  | 'CORE_OPTIONAL_DEPENDENCY_MISSING'
  | 'CORE_MIGRATION_FAILED'
  | 'CORE_WEBHOOK_MISSING_HEADERS'
  | 'CORE_WEBHOOK_TIMESTAMP_OUT_OF_TOLERANCE'
  | 'CORE_WEBHOOK_INVALID_SIGNATURE'
  | 'CORE_ABORTED'
  | 'CORE_OUTBOUND_REFUSED'
  | 'CORE_OUTBOUND_TIMEOUT'
  | 'CORE_OUTBOUND_FAILED'

/** The error class of `@opskit/core`; its codes are {@link CoreErrorCode}. */
export class CoreError extends OpskitError<CoreErrorCode> {
  constructor(
    code: CoreErrorCode,
    message: string,
    options: Omit<OpskitErrorOptions, 'code' | 'message' | 'package'> = {},
  ) {
    super({ ...options, code, message, package: 'core' })
  }
}

/**
 * The error to throw at factory time when a required option is missing.
 *
 * @example
 * ```ts
 * if (!options.accountSid) throw requiredOptionError('notify', 'twilio', 'accountSid')
 * ```
 */
export function requiredOptionError(pkg: string, adapter: string, option: string): CoreError {
  return new CoreError('CORE_REQUIRED_OPTION', `[${adapter}] missing required option \`${option}\``, {
    details: { package: pkg, adapter, option },
  })
}
