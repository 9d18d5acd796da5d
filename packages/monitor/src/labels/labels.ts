import { createHash } from 'node:crypto'

/** A label set. */
export type Labels = Record<string, string>

/** A stable key of a label set (sorted names). */
export function labelsKey(labels: Labels): string {
  const names = Object.keys(labels).sort()
  let key = ''
  for (const name of names) key += `${name}\u0001${labels[name]}\u0002`
  return key
}

/** The fingerprint of an alert: the first 16 hex characters of SHA-256 over the sorted labels. */
export function fingerprint(labels: Labels): string {
  return createHash('sha256').update(labelsKey(labels)).digest('hex').slice(0, 16)
}
