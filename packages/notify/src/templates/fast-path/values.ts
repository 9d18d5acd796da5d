// The value semantics of LiquidJS 10 (context.ts, operator.ts, underscore.ts), copied for the
// compiled fast path, for the configuration the notifier uses: strictVariables, ownPropertyOnly,
// jsTruthy false. Whatever these copies do not cover — a Drop, a function, a promise or an
// iterator met in the data, an object that compares itself — throws BAILOUT, and the render is
// done again by LiquidJS itself.
import { type Context, Drop } from 'liquidjs'

/** Thrown by the fast path where LiquidJS would do something it does not copy; LiquidJS renders instead. */
export const BAILOUT: unique symbol = Symbol('opskit.notify.fast-path.bailout')

/** Stops the fast render; the caller renders again with LiquidJS. */
export function bail(): never {
  throw BAILOUT
}

/** Literal `nil`/`null`, `empty` and `blank` of an expression (LiquidJS's NullDrop, EmptyDrop, BlankDrop). */
export class LiteralDrop {
  constructor(readonly kind: 'nil' | 'empty' | 'blank') {}
}
export const NIL = new LiteralDrop('nil')
export const EMPTY = new LiteralDrop('empty')
export const BLANK = new LiteralDrop('blank')

const objectToString = Object.prototype.toString
const hasOwn = Object.prototype.hasOwnProperty

/** LiquidJS's `isArray` (by the `[object Array]` tag, as LiquidJS tests it). */
export function isArray(value: unknown): value is unknown[] {
  return objectToString.call(value) === '[object Array]'
}

function isObject(value: unknown): value is object {
  return value !== null && (typeof value === 'object' || typeof value === 'function')
}

/** `toValue`: a literal drop as its value; any other Drop (`valueOf` may be anything) bails. */
export function toValue(value: unknown): unknown {
  if (value instanceof LiteralDrop) return value === NIL ? null : ''
  if (value instanceof Drop) bail()
  return value
}

/** Liquid truthiness: only `nil` and `false` (and undefined) are falsy; `''`, `0` and `[]` are truthy. */
export function isTruthy(value: unknown): boolean {
  const plain = toValue(value)
  return plain !== false && plain !== undefined && plain !== null
}

/** A value read from data or returned by a filter: a promise or iterator would be awaited by LiquidJS. */
export function checkResult(value: unknown): unknown {
  if (isObject(value)) {
    const candidate = value as { then?: unknown; next?: unknown }
    if (typeof candidate.then === 'function' || typeof candidate.next === 'function') bail()
  }
  return value
}

/** `Context.findScope`: loop and assign scopes (innermost first), then the data, then the globals. */
export function findScope(ctx: Context, key: string | number): object {
  // LiquidJS declares the scope list private; it is the list `push()`, `pop()` and `bottom()` use
  const scopes = (ctx as unknown as { scopes: object[] }).scopes
  for (let i = scopes.length - 1; i >= 0; i--) {
    const candidate = scopes[i] as object
    if (key in candidate) return candidate
  }
  if (key in ctx.environments) return ctx.environments
  return ctx.globals
}

function readArrayElement(array: unknown[], index: number): unknown {
  const at = index < 0 ? array.length + index : index
  return hasOwn.call(array, at) ? array[at] : undefined
}

function readSize(obj: object | string): unknown {
  const record = obj as { size?: unknown }
  if (hasOwn.call(obj, 'size') || record.size !== undefined) return record.size
  if (isArray(obj) || typeof obj === 'string') return (obj as { length: number }).length
  if (typeof obj === 'object') return Object.keys(obj).length
  return undefined
}

/**
 * `Context.readProperty` with own properties only: `size`, `first` and `last` as LiquidJS reads
 * them; a function-valued property, a Drop or an object with `toLiquid` bails.
 */
export function readProperty(obj: unknown, key: string | number): unknown {
  if (obj === null || obj === undefined) return obj
  const target = obj as Record<string | number, unknown>
  if (obj instanceof Drop || obj instanceof LiteralDrop || typeof target.toLiquid === 'function') bail()
  if (typeof key === 'number' && isArray(obj)) return readArrayElement(obj, key)
  const value = hasOwn.call(obj, key) ? target[key] : undefined
  if (typeof value === 'function') bail()
  if (key === 'size') return readSize(obj as object)
  if (key === 'first') return isArray(obj) ? readArrayElement(obj, 0) : value
  if (key === 'last') return isArray(obj) ? readArrayElement(obj, -1) : value
  return value
}

/** Reads one key of a value: {@link readProperty}, then {@link checkResult}. */
export type KeyReader = (obj: unknown) => unknown

/**
 * A reader of `key`, chosen once at compile time: a plain name (not `size`, `first`, `last`, nor
 * an index) is an own property or nothing, without the checks of the special keys.
 */
export function keyReader(key: string | number): KeyReader {
  if (typeof key === 'number' || key === 'size' || key === 'first' || key === 'last') {
    return (obj) => checkResult(readProperty(obj, key))
  }
  return (obj) => {
    if (obj === null || obj === undefined) return obj
    if (obj instanceof Drop || obj instanceof LiteralDrop) bail()
    if (typeof (obj as { toLiquid?: unknown }).toLiquid === 'function') bail()
    if (!hasOwn.call(obj, key)) return undefined
    const value = (obj as Record<string, unknown>)[key]
    if (typeof value === 'function') bail()
    return typeof value === 'object' ? checkResult(value) : value
  }
}

/** `stringify`: strings as they are, nil as `''`, arrays joined without separator, the rest `String()`. */
export function stringify(value: unknown): string {
  const plain = toValue(value)
  if (typeof plain === 'string') return plain
  if (plain === null || plain === undefined) return ''
  if (isArray(plain)) {
    let out = ''
    for (const item of plain) out += stringify(item)
    return out
  }
  return String(plain)
}

/** An object LiquidJS compares through its own `equals`/`gt`/… methods: left to LiquidJS. */
function checkComparable(value: unknown): void {
  if (isObject(value) && typeof (value as { equals?: unknown }).equals === 'function') bail()
}

function emptyEquals(value: unknown): boolean {
  if (value === EMPTY || value === BLANK) return false
  const plain = toValue(value)
  if (typeof plain === 'string' || isArray(plain)) return plain.length === 0
  if (isObject(plain)) return Object.keys(plain).length === 0
  return false
}

function literalEquals(literal: LiteralDrop, value: unknown): boolean {
  if (literal === NIL) {
    const plain = toValue(value)
    return plain === null || plain === undefined
  }
  if (literal === BLANK) {
    if (value === false) return true
    const plain = toValue(value)
    if (plain === null || plain === undefined) return true
    // `/^\s*$/` of LiquidJS: trim() removes exactly the characters \s matches
    if (typeof value === 'string') return value.trim().length === 0
  }
  return emptyEquals(value)
}

/** `==` of LiquidJS: literal drops by their rules, arrays element by element, the rest `===`. */
export function equals(left: unknown, right: unknown): boolean {
  if (left instanceof LiteralDrop) return literalEquals(left, right)
  if (right instanceof LiteralDrop) return literalEquals(right, left)
  checkComparable(left)
  checkComparable(right)
  const l = toValue(left)
  const r = toValue(right)
  if (isArray(l)) {
    if (!isArray(r) || l.length !== r.length) return false
    for (let i = 0; i < l.length; i++) if (!equals(l[i], r[i])) return false
    return true
  }
  return l === r
}

/** `<`, `<=`, `>`, `>=`: a literal drop on either side is never ordered; the rest as JavaScript compares. */
export function compare(operator: '<' | '<=' | '>' | '>=', left: unknown, right: unknown): boolean {
  if (left instanceof LiteralDrop || right instanceof LiteralDrop) return false
  checkComparable(left)
  checkComparable(right)
  const l = toValue(left) as number
  const r = toValue(right) as number
  if (operator === '<') return l < r
  if (operator === '<=') return l <= r
  if (operator === '>') return l > r
  return l >= r
}

/** `contains`: membership in an array (by `==`), a substring of a string, otherwise false. */
export function contains(left: unknown, right: unknown): boolean {
  const l = toValue(left)
  if (isArray(l)) {
    for (const item of l) if (equals(item, right)) return true
    return false
  }
  if (typeof l === 'string') return l.indexOf(toValue(right) as string) > -1
  if (isObject(l) && typeof (l as { indexOf?: unknown }).indexOf === 'function') bail()
  return false
}

/** `toEnumerable` of a `for` collection: arrays, a non-empty string as one item, an object's entries. */
export function toEnumerable(value: unknown): unknown[] {
  const plain = toValue(value)
  if (isArray(plain)) return plain
  if (typeof plain === 'string') return plain.length > 0 ? [plain] : []
  if (isObject(plain)) {
    if (Symbol.iterator in plain) bail()
    const record = plain as Record<string, unknown>
    return Object.keys(record).map((key) => [key, record[key]])
  }
  return []
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&#34;', "'": '&#39;' }
const NEEDS_ESCAPE = /[&<>"']/
const ESCAPE_ALL = /[&<>"']/g

/** LiquidJS's `escape` filter (the `outputEscape` of HTML parts), charging the same memory. */
export function escapeOutput(ctx: Context, value: unknown): string {
  const text = stringify(value)
  ctx.memoryLimit.use(text.length)
  return NEEDS_ESCAPE.test(text) ? text.replace(ESCAPE_ALL, (char) => ESCAPES[char] as string) : text
}
