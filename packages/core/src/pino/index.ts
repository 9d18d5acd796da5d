import pino, { type DestinationStream, type LoggerOptions } from 'pino'
import type { Logger } from '../logger/logger.js'
import { createSecretRedactor } from '../logger/redact-secrets.js'

/** Options for {@link createPinoLogger}. */
export interface PinoLoggerOptions {
  /** Minimum level written. @default 'info' */
  level?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent' | undefined
  /** Logger name, e.g. the host service's name. */
  name?: string | undefined
  /** More paths to redact, in pino's path syntax, on top of the secret fields. */
  redact?: readonly string[] | undefined
  /** More field names to hide at any depth and in any case, on top of `SECRET_FIELD_NAMES`. */
  secretNames?: readonly string[] | undefined
  /** Where lines go. @default stdout */
  destination?: DestinationStream | undefined
  /** Further pino options (they win over the ones above, except redaction which is merged). */
  pino?: Omit<LoggerOptions, 'redact'> | undefined
}

/**
 * A pino logger that hides secrets by default: every field named in `SECRET_FIELD_NAMES`
 * (passwords, tokens, API keys, `Authorization`/`Proxy-Authorization`/`x-api-key` headers,
 * cookies, private keys, Slack webhook URLs, PagerDuty routing keys, webhook secrets, …) is
 * replaced by `[Redacted]` in the log object and in child bindings, in any letter case, at any
 * depth up to 10 (deeper objects are written `[Truncated]`).
 */
export function createPinoLogger(options: PinoLoggerOptions = {}): Logger {
  const redact = createSecretRedactor({ names: options.secretNames })
  const host = options.pino?.formatters
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    ...(options.name ? { name: options.name } : {}),
    ...options.pino,
    formatters: {
      ...host,
      log: (object) => redact(host?.log ? host.log(object) : object),
      bindings: (bindings) => redact(host?.bindings ? host.bindings(bindings) : bindings),
    },
    ...(options.redact?.length ? { redact: { paths: [...options.redact], censor: '[Redacted]' } } : {}),
  }
  const logger = options.destination ? pino(config, options.destination) : pino(config)
  // pino does not pass child bindings through `formatters.bindings`: redact them on the way in.
  // Children inherit this `child` (a pino child is `Object.create(parent)`), so grandchildren too.
  const pinoChild = logger.child
  logger.child = function (this: typeof logger, bindings, childOptions) {
    return pinoChild.call(this, redact(bindings), childOptions)
  } as typeof logger.child
  return logger
}
