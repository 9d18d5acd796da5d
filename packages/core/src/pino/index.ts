import pino, { type DestinationStream, type LoggerOptions } from 'pino'
import { type Logger, secretRedactPaths } from '../logger/logger.js'

/** Options for {@link createPinoLogger}. */
export interface PinoLoggerOptions {
  /** Minimum level written. @default 'info' */
  level?: 'trace' | 'debug' | 'info' | 'warn' | 'error' | 'fatal' | 'silent'
  /** Logger name, e.g. the host service's name. */
  name?: string
  /** More paths to redact, in pino's path syntax, on top of the secret fields. */
  redact?: readonly string[]
  /** Where lines go. @default stdout */
  destination?: DestinationStream
  /** Further pino options (they win over the ones above, except redaction which is merged). */
  pino?: Omit<LoggerOptions, 'redact'>
}

/**
 * A pino logger that hides secrets by default: passwords, tokens, API keys, authorization
 * headers, cookies and private keys are replaced by `[Redacted]` at any of the first levels of
 * a log object (see `SECRET_FIELD_NAMES`).
 */
export function createPinoLogger(options: PinoLoggerOptions = {}): Logger {
  const config: LoggerOptions = {
    level: options.level ?? 'info',
    ...(options.name ? { name: options.name } : {}),
    ...options.pino,
    redact: { paths: secretRedactPaths(options.redact), censor: '[Redacted]' },
  }
  return options.destination ? pino(config, options.destination) : pino(config)
}
