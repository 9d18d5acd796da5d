import type { EventHooks } from '../alerts/event-hooks.js'
import type { FieldSealer } from '../crypto/subject-crypto.js'
import type { AuditEventInput } from '../event/event-schema.js'
import type { AuditStore, SubjectKey } from '../store/audit-store.js'
import type { AuditViewer, LoggedEvent } from './audit-log.js'
import type { ResolvedAuditLogOptions } from './resolve-options.js'

/**
 * What the parts of an audit log (group writer, checkpointer, reads, retention) share: passed
 * explicitly to each, so that every module can be read on its own.
 */
export interface AuditLogContext {
  readonly store: AuditStore
  readonly options: ResolvedAuditLogOptions
  /** `onEvent` hooks, fed after each commit. */
  readonly hooks: EventHooks
  /** Encrypts personal fields under subject keys (cached per key). */
  readonly sealer: FieldSealer
  /** Logs an event through the log's own intake (reads, retention and erasure record themselves). */
  readonly log: (input: AuditEventInput) => Promise<LoggedEvent>
  /** Resolves once every event logged so far is committed or rejected. */
  readonly flush: () => Promise<void>
}

/** The actor of events the log writes about itself (retention, reads without a viewer). */
export const SYSTEM_ACTOR = { id: 'opskit-audit', type: 'system' as const }

/** The actor of a read or erasure: the viewer, or the system actor without one. */
export function actorOf(viewer: AuditViewer | undefined): AuditEventInput['actor'] {
  return viewer ? { type: 'user', ...viewer } : SYSTEM_ACTOR
}

/** The checkpoint origin of a chain: the base, plus `/tenant/<id>` for a tenant's chain. */
export function originOf(options: Pick<ResolvedAuditLogOptions, 'originBase'>, chainId: string): string {
  return chainId === '' ? options.originBase : `${options.originBase}/tenant/${chainId}`
}

/** Subject keys re-indexed by key id (as encrypted fields name them). */
export function keysById(keys: ReadonlyMap<string, SubjectKey>): Map<string, SubjectKey> {
  const out = new Map<string, SubjectKey>()
  for (const key of keys.values()) out.set(key.keyId, key)
  return out
}
