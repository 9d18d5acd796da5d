// Storage keys of report artifacts: `reports.<tenant>.<runId>.<extension>`. The tenant segment
// keeps two tenants' objects apart and lets the orphan sweep list one tenant's artifacts; the
// `reports.` namespace keeps the sweep away from objects the host stored itself.
import { sha256Hex } from '@opskit/core'
import { NO_TENANT } from '@opskit/core/internal'

/** Every artifact key starts with this; the orphan sweep looks at nothing else. */
export const ARTIFACT_KEY_PREFIX = 'reports.'

const READABLE_TENANT = /^[A-Za-z0-9-]{1,64}$/

/**
 * The tenant's part of a key: `_` for no tenant, the tenant id itself when it is letters,
 * digits and `-` (up to 64), else `_` and 32 hex digits of its SHA-256 (ids with `.`, `_`, `:`
 * or `@`, which some storage backends do not take in a key). The forms cannot collide: a
 * readable id never starts with `_`.
 */
export function tenantKeySegment(tenantId: string): string {
  if (tenantId === NO_TENANT) return '_'
  return READABLE_TENANT.test(tenantId) ? tenantId : `_${sha256Hex(tenantId).slice(0, 32)}`
}

/** The storage key of a run's artifact. */
export function artifactKey(tenantId: string, runId: string, extension: string): string {
  return `${ARTIFACT_KEY_PREFIX}${tenantKeySegment(tenantId)}.${runId}.${extension}`
}

/** The key prefix of one tenant's artifacts, or of every artifact when `tenantId` is undefined. */
export function artifactKeyPrefix(tenantId: string | undefined): string {
  return tenantId === undefined ? ARTIFACT_KEY_PREFIX : `${ARTIFACT_KEY_PREFIX}${tenantKeySegment(tenantId)}.`
}
