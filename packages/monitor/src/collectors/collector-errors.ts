import type { Logger } from '@opskit/core'

/** Where a collector reports a failed read (the series is then left out, never invented). */
export type CollectorErrorHandler = (collector: string, error: unknown) => void

/** An error handler that logs through the host's logger, once per collector and message. */
export function loggingErrorHandler(logger: Logger): CollectorErrorHandler {
  const seen = new Set<string>()
  return (collector, error) => {
    const message = error instanceof Error ? error.message : String(error)
    const key = `${collector}\u0000${message}`
    if (seen.has(key)) return
    if (seen.size > 100) seen.clear()
    seen.add(key)
    logger.warn({ collector, err: message }, 'monitor collector failed; its series are left out')
  }
}
