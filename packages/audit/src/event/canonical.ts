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
  if (!isSorted(keys)) keys.sort()
  let out = '{'
  for (const key of keys) {
    const member = record[key]
    if (member === undefined) continue
    out += `${out.length === 1 ? '' : ','}${JSON.stringify(key)}:${canonicalJson(member)}`
  }
  return `${out}}`
}

function isSorted(keys: string[]): boolean {
  for (let i = 1; i < keys.length; i++) if ((keys[i - 1] as string) > (keys[i] as string)) return false
  return true
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
