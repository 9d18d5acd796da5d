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

/** The chain hash before the first event: 32 zero bytes, hex. */
export const GENESIS_HASH = '0'.repeat(64)

/**
 * What a leaf hash covers before the body: U+0000, which encodes to the single byte 0x00 in UTF-8,
 * so a string is hashed in one shot without a Buffer concat.
 */
export const LEAF_DOMAIN = '\u0000'

/** Leaf hash of an event: `SHA-256(0x00 ‖ canonical body)`, hex (RFC 6962 leaf domain). */
export function leafHash(body: string): string {
  return hash('sha256', `${LEAF_DOMAIN}${body}`, 'hex')
}

/**
 * The leaf hash and the body of `input`, the body already built behind {@link LEAF_DOMAIN}: the
 * string is made flat once, for the hash, and the body is a slice of it, where hashing a body
 * built on its own copies it into a prefixed string and storing it flattens it a second time.
 */
export function leafOfPrefixed(input: string): { leaf: string; body: string } {
  if (!input.startsWith(LEAF_DOMAIN)) throw new TypeError('leafOfPrefixed: input must start with LEAF_DOMAIN')
  return { leaf: hash('sha256', input, 'hex'), body: input.slice(LEAF_DOMAIN.length) }
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
