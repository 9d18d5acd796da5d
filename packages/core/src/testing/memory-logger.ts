import type { LogFn, Logger } from '../logger/logger.js'

/** One line captured by {@link createMemoryLogger}. */
export interface LogRecord {
  level: 'trace' | 'debug' | 'info' | 'warn' | 'error'
  msg: string | undefined
  fields: Record<string, unknown>
}

/** A {@link Logger} that keeps every line in `records` for assertions. */
export interface MemoryLogger extends Logger {
  /** Everything logged through this logger and its children, oldest first. */
  readonly records: LogRecord[]
}

/** A logger that records lines in memory, for tests that check what (and what not) was logged. */
export function createMemoryLogger(): MemoryLogger {
  const records: LogRecord[] = []
  const build = (bindings: Record<string, unknown>): MemoryLogger => {
    const method =
      (level: LogRecord['level']): LogFn =>
      (objOrMsg: object | string, msg?: string) => {
        if (typeof objOrMsg === 'string') records.push({ level, msg: objOrMsg, fields: { ...bindings } })
        else records.push({ level, msg, fields: { ...bindings, ...(objOrMsg as Record<string, unknown>) } })
      }
    return {
      records,
      trace: method('trace'),
      debug: method('debug'),
      info: method('info'),
      warn: method('warn'),
      error: method('error'),
      child: (more) => build({ ...bindings, ...more }),
    }
  }
  return build({})
}
