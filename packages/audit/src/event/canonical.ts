import { hash } from 'node:crypto'

/**
 * Canonical JSON (RFC 8785 shape for the JSON values audit events hold): object keys sorted by
 * UTF-16 code units, no whitespace, `undefined` members dropped. The same value always encodes
 * to the same bytes, which is what the leaf hash covers.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value !== 'object') return JSON.stringify(value) ?? 'null'
  if (Array.isArray(value)) return `[${value.map((item) => canonicalJson(item)).join(',')}]`
  const record = value as Record<string, unknown>
  const keys = Object.keys(record)
    .filter((key) => record[key] !== undefined)
    .sort()
  return `{${keys.map((key) => `${JSON.stringify(key)}:${canonicalJson(record[key])}`).join(',')}}`
}

/**
 * A deep copy of a JSON value with every object's keys in canonical order, so that
 * `JSON.stringify` of it equals {@link canonicalJson} of the original.
 */
export function sortKeysDeep<T>(value: T): T {
  if (value === null || typeof value !== 'object') return value
  if (Array.isArray(value)) return value.map((item) => sortKeysDeep(item)) as T
  const record = value as Record<string, unknown>
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(record).sort())
    if (record[key] !== undefined) out[key] = sortKeysDeep(record[key])
  return out as T
}

/** The chain hash before the first event: 32 zero bytes, hex. */
export const GENESIS_HASH = '0'.repeat(64)

/** Leaf hash of an event: `SHA-256(0x00 ‖ canonical body)`, hex (RFC 6962 leaf domain). */
export function leafHash(body: string): string {
  // U+0000 encodes to the single byte 0x00 in UTF-8: one-shot hashing without a Buffer concat.
  return hash('sha256', `\u0000${body}`, 'hex')
}

/** Chain hash: `SHA-256(0x01 ‖ previous chain hash ‖ leaf hash)`, hex. */
export function chainHash(prevHash: string, leaf: string): string {
  return hash('sha256', Buffer.from(`01${prevHash}${leaf}`, 'hex'), 'hex')
}
