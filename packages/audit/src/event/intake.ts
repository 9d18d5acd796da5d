import { MAX_JSON } from './event-schema.js'

/**
 * What `log()` takes from the caller's event, at call time: a private copy (the caller may mutate
 * or reuse its objects as soon as `log()` returns) in which free text from requests is made
 * storable instead of being a reason to reject the event, plus the paths that were changed.
 */
export interface TakenEvent {
  /** The copy, to be validated; not shared with the caller. */
  event: unknown
  /** Paths of the free-text values that were escaped or truncated (e.g. `actor.userAgent`). */
  sanitized: string[]
}

/** Appended to a free-text value cut to its field's length. */
export const TRUNCATION_MARKER = '…[truncated]'

/**
 * Free-text fields and their maximum lengths. Everything else (action, category, severity,
 * outcome, tenantId, target.type, request/session/correlation ids, dates, email, ip) stays strict.
 */
const ACTOR_TEXT: Readonly<Record<string, number>> = { id: 256, name: 256, userAgent: 1024 }
const TARGET_TEXT: Readonly<Record<string, number>> = { id: 256, name: 256 }
/** Optional free text that may simply be dropped when it is empty (a required `actor.id` may not). */
/** The members with free-text fields, each field with its length limit and path, built once. */
const TEXT_MEMBERS = (
  [
    ['actor', ACTOR_TEXT],
    ['target', TARGET_TEXT],
  ] as const
).map(([key, limits]) => ({
  key,
  fields: Object.keys(limits).map((field) => ({
    field,
    max: limits[field] as number,
    path: `${key}.${field}`,
  })),
}))
const JSON_MEMBERS = ['before', 'after', 'metadata'] as const
const DROPPABLE = new Set(['reason', 'actor.name', 'actor.userAgent', 'target.id', 'target.name'])
/** String leaves of an over-size `before`/`after`/`metadata` are cut to this length. */
const JSON_STRING_CUT = 1024

/**
 * Control characters as their visible Unicode "control pictures" (U+2400–U+2421): one character
 * for one, so lengths and the rest of the text are unchanged. `Mozilla/5.0\tx` → `Mozilla/5.0␉x`.
 */
export function escapeControlCharacters(value: string): string {
  let out = ''
  let start = 0
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (code >= 0x20 && code !== 0x7f) continue
    out += value.slice(start, i) + String.fromCharCode(code === 0x7f ? 0x2421 : 0x2400 + code)
    start = i + 1
  }
  return start === 0 ? value : out + value.slice(start)
}

/** `value` cut to `max` UTF-16 units with {@link TRUNCATION_MARKER}, never splitting a surrogate pair. */
export function truncateText(value: string, max: number): string {
  if (value.length <= max) return value
  let cut = max - TRUNCATION_MARKER.length
  const last = value.charCodeAt(cut - 1)
  if (last >= 0xd800 && last <= 0xdbff) cut--
  return value.slice(0, cut) + TRUNCATION_MARKER
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** Sets `out[key]`, also for a `__proto__` key (which the validation then refuses). */
function put(out: Record<string, unknown>, key: string, value: unknown): void {
  if (key === '__proto__')
    Object.defineProperty(out, key, { value, enumerable: true, writable: true, configurable: true })
  else out[key] = value
}

/** A shallow copy of a plain object's own enumerable members, each read exactly once. */
function copyMembers(value: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(value)) put(out, key, value[key])
  return out
}

/**
 * A deep copy of a JSON-like value, reading each member once. Values the validation refuses
 * (BigInt, functions, class instances, anything nested too deep) are kept as they are so that it
 * still refuses them with the same message; `size` gathers an upper bound of the JSON size.
 */
function copyJson(value: unknown, depth: number, size: { bound: number }): unknown {
  if (typeof value === 'string') {
    size.bound += 6 * value.length + 2
    return value
  }
  size.bound += 24
  if (typeof value !== 'object' || value === null || depth > MAX_JSON.maxDepth) return value
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length)
    for (let i = 0; i < value.length; i++) if (i in value) out[i] = copyJson(value[i], depth + 1, size)
    return out
  }
  if (!isPlainObject(value)) return value
  const out: Record<string, unknown> = Object.getPrototypeOf(value) === null ? Object.create(null) : {}
  for (const key of Object.keys(value)) {
    size.bound += 6 * key.length + 4
    put(out, key, copyJson(value[key], depth + 1, size))
  }
  return out
}

/** Cuts the string leaves longer than {@link JSON_STRING_CUT} in place, recording their paths. */
function cutLongStrings(value: unknown, path: string, sanitized: string[], depth = 0): void {
  if (typeof value !== 'object' || value === null || depth > MAX_JSON.maxDepth) return
  const record = value as Record<string, unknown>
  for (const key of Object.keys(record)) {
    const member = record[key]
    const at = `${path}.${key}`
    if (typeof member === 'string' && member.length > JSON_STRING_CUT) {
      record[key] = truncateText(member, JSON_STRING_CUT)
      sanitized.push(at)
    } else cutLongStrings(member, at, sanitized, depth + 1)
  }
}

function jsonBytes(value: unknown): number | undefined {
  try {
    const text = JSON.stringify(value)
    return text === undefined ? undefined : Buffer.byteLength(text)
  } catch {
    return undefined
  }
}

/** Escapes and truncates one free-text member of `out` (a copy); records its path when changed. */
function cleanText(
  out: Record<string, unknown>,
  key: string,
  max: number,
  path: string,
  sanitized: string[],
) {
  const value = out[key]
  if (typeof value !== 'string') return
  if (value === '' && DROPPABLE.has(path)) {
    delete out[key]
    sanitized.push(path)
    return
  }
  const clean = truncateText(escapeControlCharacters(value), max)
  if (clean !== value) {
    out[key] = clean
    sanitized.push(path)
  }
}

/**
 * Takes the caller's event at `log()` time (see {@link TakenEvent}). Free text (reason, actor
 * id/name/userAgent, target id/name) gets its control characters escaped and is cut to its field's
 * length with a visible marker; `before`, `after` and `metadata` are deep-copied, and when one is
 * over the size limit its long strings are cut. Anything else is copied as given, for the
 * validation to accept or refuse.
 */
export function takeEvent(input: unknown): TakenEvent {
  const sanitized: string[] = []
  if (!isPlainObject(input)) return { event: input, sanitized }
  const event = copyMembers(input)
  cleanText(event, 'reason', 1024, 'reason', sanitized)
  for (const { key, fields } of TEXT_MEMBERS) {
    const member = event[key]
    if (!isPlainObject(member)) continue
    const copy = copyMembers(member)
    for (const { field, max, path } of fields) cleanText(copy, field, max, path, sanitized)
    event[key] = copy
  }
  for (const key of JSON_MEMBERS) {
    if (event[key] === undefined) continue
    const size = { bound: 0 }
    const copy = copyJson(event[key], 0, size)
    if (size.bound > MAX_JSON.maxBytes && (jsonBytes(copy) ?? 0) > MAX_JSON.maxBytes)
      cutLongStrings(copy, key, sanitized)
    event[key] = copy
  }
  return { event, sanitized }
}
