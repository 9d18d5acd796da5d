/** Removes or masks configured paths in a value, returning a copy; see {@link createRedactor}. */
export type Redactor = <T>(value: T) => T

/** Options for {@link createRedactor}. */
export interface RedactorOptions {
  /** Replace redacted values with this instead of removing the key. */
  censor?: string | undefined
}

type Segment = string | typeof WILDCARD
const WILDCARD = Symbol('wildcard')

function compile(path: string): Segment[] {
  return path.split('.').map((segment) => (segment === '*' ? WILDCARD : segment))
}

function redactAt(value: unknown, segments: Segment[], index: number, censor: string | undefined): unknown {
  if (typeof value !== 'object' || value === null) return value
  const segment = segments[index] as Segment
  const last = index === segments.length - 1
  const copy: Record<string, unknown> | unknown[] = Array.isArray(value)
    ? [...value]
    : { ...(value as object) }
  const keys = segment === WILDCARD ? Object.keys(copy) : [segment]
  for (const key of keys) {
    if (!Object.hasOwn(copy, key)) continue
    const record = copy as Record<string, unknown>
    if (last) {
      if (censor === undefined) delete record[key]
      else record[key] = censor
    } else {
      record[key] = redactAt(record[key], segments, index + 1, censor)
    }
  }
  return copy
}

/**
 * Compiles dotted paths (with `*` for any key or index) once and returns a function that
 * produces a redacted copy of a value, leaving the input untouched.
 *
 * @example
 * ```ts
 * const redact = createRedactor(['metadata.card.number', 'after.*.ssn'])
 * redact({ metadata: { card: { number: '4242…', brand: 'visa' } } })
 * // → { metadata: { card: { brand: 'visa' } } }
 * ```
 */
export function createRedactor(paths: readonly string[], options: RedactorOptions = {}): Redactor {
  const compiled = paths.map(compile)
  if (compiled.length === 0) return (value) => value
  return <T>(value: T): T => {
    let out: unknown = value
    for (const segments of compiled) out = redactAt(out, segments, 0, options.censor)
    return out as T
  }
}
