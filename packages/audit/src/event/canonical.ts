import { hash } from 'node:crypto'

/**
 * Canonical JSON (RFC 8785 shape for the JSON values audit events hold): object keys sorted by
 * UTF-16 code units, no whitespace, `undefined` members dropped. The same value always encodes
 * to the same bytes, which is what the leaf hash covers. Written as one string build without
 * intermediate arrays: it runs for every event's metadata and state.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) {
    let out = '['
    for (let i = 0; i < value.length; i++) out += (i === 0 ? '' : ',') + canonicalJson(value[i])
    return `${out}]`
  }
  const record = value as Record<string, unknown>
  const keys = Object.keys(record)
  sortKeys(keys)
  let out = '{'
  for (const key of keys) {
    const member = record[key]
    if (member === undefined) continue
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(member)}`
  }
  return `${out}}`
}

/** Keys at most this many are sorted by insertion, in place; `Array.prototype.sort` allocates. */
const INSERTION_SORT_MAX = 16

/** Sorts `keys` in place by UTF-16 code units (what `<` compares), as `keys.sort()` would. */
function sortKeys(keys: string[]): void {
  if (keys.length > INSERTION_SORT_MAX) {
    keys.sort()
    return
  }
  for (let i = 1; i < keys.length; i++) {
    const key = keys[i] as string
    let j = i - 1
    while (j >= 0 && (keys[j] as string) > key) {
      keys[j + 1] = keys[j] as string
      j--
    }
    keys[j + 1] = key
  }
}

/** What {@link inCanonicalOrder} returns for a value that no JS object can hold in canonical order. */
export const NOT_IN_ORDER: unique symbol = Symbol('not in canonical order')

/**
 * `value` in a form whose `JSON.stringify` is exactly {@link canonicalJson} of it: the value itself
 * when each of its objects already lists its keys in canonical order, else a copy with its objects
 * rebuilt in that order. {@link NOT_IN_ORDER} for anything else: a key that starts with a digit
 * (JS objects list array-index keys first, in numeric order), `__proto__`, an object that is not
 * plain (`toJSON`) or a value `JSON.stringify` drops from objects (a function, a symbol).
 */
export function inCanonicalOrder(value: unknown): unknown {
  if (typeof value === 'function' || typeof value === 'symbol') return NOT_IN_ORDER
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) {
    let copy: unknown[] | undefined
    for (let i = 0; i < value.length; i++) {
      const member = inCanonicalOrder(value[i])
      if (member === NOT_IN_ORDER) return NOT_IN_ORDER
      if (member !== value[i]) {
        copy ??= value.slice()
        copy[i] = member
      }
    }
    return copy ?? value
  }
  const prototype = Object.getPrototypeOf(value)
  if (prototype !== Object.prototype && prototype !== null) return NOT_IN_ORDER
  const record = value as Record<string, unknown>
  const keys = Object.keys(record)
  let sorted = true
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    const first = key.charCodeAt(0)
    if ((first >= 48 && first <= 57) || key === '__proto__') return NOT_IN_ORDER
    if (i > 0 && (keys[i - 1] as string) > key) sorted = false
  }
  if (!sorted) sortKeys(keys)
  // A copy when the keys were out of order or a member had to be copied; else the value itself.
  let copy: Record<string, unknown> | undefined = sorted ? undefined : {}
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] as string
    const member = inCanonicalOrder(record[key])
    if (member === NOT_IN_ORDER) return NOT_IN_ORDER
    if (!copy && member !== record[key]) {
      copy = {}
      for (let j = 0; j < i; j++) copy[keys[j] as string] = record[keys[j] as string]
    }
    if (copy) copy[key] = member
  }
  return copy ?? value
}

/** The chain hash before the first event: 32 zero bytes, hex. */
export const GENESIS_HASH = '0'.repeat(64)

/** The bytes a leaf hash covers, `0x00 ‖ body` (UTF-8), encoded into one reused buffer. */
const leafInput = Buffer.alloc(16_384)

/** Leaf hash of an event: `SHA-256(0x00 ‖ canonical body)`, hex (RFC 6962 leaf domain). */
export function leafHash(body: string): string {
  // UTF-8 takes at most 3 bytes per UTF-16 unit. Encoded into the reused buffer there is no
  // `\0${body}` string per event (a copy of the body on the heap); lone surrogates become
  // U+FFFD there as they do when a string is hashed. Byte 0 of the buffer stays 0x00.
  if (1 + 3 * body.length > leafInput.length) return hash('sha256', `\u0000${body}`, 'hex')
  const length = 1 + leafInput.write(body, 1, 'utf8')
  return hash('sha256', leafInput.subarray(0, length), 'hex')
}

/** The bytes a chain hash covers, reused: `0x01 ‖ previous chain hash ‖ leaf hash` (65 bytes). */
const chainInput = Buffer.alloc(65)
chainInput[0] = 0x01

/** Chain hash: `SHA-256(0x01 ‖ previous chain hash ‖ leaf hash)`, hex. */
export function chainHash(prevHash: string, leaf: string): string {
  if (prevHash.length !== 64 || leaf.length !== 64)
    return hash('sha256', Buffer.from(`01${prevHash}${leaf}`, 'hex'), 'hex')
  // Decoded into one reused buffer: no concatenated string and no Buffer per event. Hex that stops
  // being hex decodes short, exactly as the concatenation above would.
  const prevBytes = chainInput.write(prevHash, 1, 32, 'hex')
  const leafBytes = prevBytes === 32 ? chainInput.write(leaf, 33, 32, 'hex') : 0
  const length = 1 + prevBytes + leafBytes
  return hash('sha256', length === chainInput.length ? chainInput : chainInput.subarray(0, length), 'hex')
}
