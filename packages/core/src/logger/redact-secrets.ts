import { SECRET_FIELD_NAMES } from './logger.js'

/** Options of {@link redactSecrets} and {@link createSecretRedactor}. */
export interface SecretRedactionOptions {
  /** More field names to hide, on top of {@link SECRET_FIELD_NAMES}. */
  names?: readonly string[] | undefined
  /** What replaces a secret. @default '[Redacted]' */
  censor?: string | undefined
  /** Objects nested deeper than this are replaced by `'[Truncated]'` (they were not inspected). @default 10 */
  maxDepth?: number | undefined
}

/** `Authorization`, `x-api-key` and `API_KEY` all become `authorization`, `xapikey`, `apikey`. */
export function normaliseFieldName(name: string): string {
  return name.toLowerCase().replace(/[-_]/g, '')
}

const isPlainObject = (value: object): boolean => {
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/**
 * Builds a function that returns a copy of a log object with every secret field replaced, at any
 * depth up to `maxDepth`, in plain objects and arrays (class instances such as `Error`, `Date`
 * or `Buffer` are kept as they are). Field names match without regard to case, `-` or `_`.
 * Cycles become `'[Circular]'`.
 */
export function createSecretRedactor(options: SecretRedactionOptions = {}): <T>(value: T) => T {
  const names = new Set([...SECRET_FIELD_NAMES, ...(options.names ?? [])].map(normaliseFieldName))
  const censor = options.censor ?? '[Redacted]'
  const maxDepth = options.maxDepth ?? 10
  const walk = (value: unknown, depth: number, seen: Set<object>): unknown => {
    if (typeof value !== 'object' || value === null) return value
    if (!Array.isArray(value) && !isPlainObject(value)) return value
    if (seen.has(value)) return '[Circular]'
    if (depth > maxDepth) return '[Truncated]'
    seen.add(value)
    let out: unknown
    if (Array.isArray(value)) out = value.map((item) => walk(item, depth + 1, seen))
    else {
      const copy: Record<string, unknown> = {}
      for (const [key, field] of Object.entries(value)) {
        copy[key] = names.has(normaliseFieldName(key)) ? censor : walk(field, depth + 1, seen)
      }
      out = copy
    }
    seen.delete(value)
    return out
  }
  return <T>(value: T): T => walk(value, 0, new Set()) as T
}

/** {@link createSecretRedactor} with the defaults: every opskit secret field, any case, depth ≤ 10. */
export const redactSecrets: <T>(value: T) => T = createSecretRedactor()
