import { createHash } from 'node:crypto'

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

/** The chain hash before the first event: 32 zero bytes, hex. */
export const GENESIS_HASH = '0'.repeat(64)

const LEAF_PREFIX = Buffer.from([0x00])
const NODE_PREFIX = Buffer.from([0x01])

/** Leaf hash of an event: `SHA-256(0x00 ‖ canonical body)`, hex (RFC 6962 leaf domain). */
export function leafHash(body: string): string {
  return createHash('sha256').update(LEAF_PREFIX).update(body, 'utf8').digest('hex')
}

/** Chain hash: `SHA-256(0x01 ‖ previous chain hash ‖ leaf hash)`, hex. */
export function chainHash(prevHash: string, leaf: string): string {
  return createHash('sha256')
    .update(NODE_PREFIX)
    .update(Buffer.from(prevHash, 'hex'))
    .update(Buffer.from(leaf, 'hex'))
    .digest('hex')
}
