import { decryptField, encryptField, isEncrypted } from '../crypto/subject-crypto.js'
import type { StoredEventRow, SubjectKey } from '../store/audit-store.js'
import { canonicalJson } from './canonical.js'
import { type AuditActor, type AuditEvent, ERASED, type ParsedAuditEvent } from './event-schema.js'

/** Actor fields that are personal data: encrypted with the subject's key, erased by `forgetSubject`. */
export const PERSONAL_ACTOR_FIELDS = ['name', 'email', 'ip', 'userAgent'] as const

/** The hashed body of an event (format version 1). Times are epoch ms. */
export interface EventBody {
  v: 1
  id: string
  chain: string
  seq: number
  recordedAt: number
  occurredAt: number
  action: string
  category: string
  severity: string
  outcome: string
  reason?: string
  actor: Record<string, string>
  target?: { type: string; id?: string; name?: string }
  tenantId?: string
  before?: Record<string, unknown>
  after?: Record<string, unknown>
  metadata?: Record<string, unknown>
  requestId?: string
  sessionId?: string
  correlationId?: string
}

/** Builds the body of an event; personal actor fields are encrypted when a subject key is given. */
export function buildBody(
  event: ParsedAuditEvent & { occurredAt: number },
  position: { id: string; chainId: string; seq: number; recordedAt: number },
  key: SubjectKey | undefined,
): EventBody {
  const actor: Record<string, string> = { id: event.actor.id, type: event.actor.type }
  if (event.actor.role !== undefined) actor.role = event.actor.role
  for (const field of PERSONAL_ACTOR_FIELDS) {
    const value = event.actor[field]
    if (value === undefined) continue
    actor[field] = key ? encryptField(key, position.id, `actor.${field}`, value) : value
  }
  return {
    v: 1,
    id: position.id,
    chain: position.chainId,
    seq: position.seq,
    recordedAt: position.recordedAt,
    occurredAt: event.occurredAt,
    action: event.action,
    category: event.category,
    severity: event.severity,
    outcome: event.outcome,
    reason: event.reason,
    actor,
    target: event.target,
    tenantId: event.tenantId,
    before: event.before,
    after: event.after,
    metadata: event.metadata,
    requestId: event.requestId,
    sessionId: event.sessionId,
    correlationId: event.correlationId,
  }
}

/** Encodes a body canonically (the bytes the leaf hash covers). */
export function encodeBody(body: EventBody): string {
  return canonicalJson(body)
}

/** The indexed columns a body implies; verify compares them with the stored columns. */
export function columnsOf(body: EventBody): Omit<StoredEventRow, 'body' | 'leafHash' | 'prevHash' | 'hash'> {
  return {
    id: body.id,
    chainId: body.chain,
    seq: body.seq,
    tenantId: body.tenantId ?? null,
    occurredAt: body.occurredAt,
    recordedAt: body.recordedAt,
    actorId: body.actor.id as string,
    action: body.action,
    category: body.category,
    outcome: body.outcome,
    severity: body.severity,
    targetType: body.target?.type ?? null,
    targetId: body.target?.id ?? null,
  }
}

/** Key ids a row's encrypted fields need. */
export function keyIdsOf(body: EventBody): string[] {
  const ids: string[] = []
  for (const field of PERSONAL_ACTOR_FIELDS) {
    const value = body.actor[field]
    if (isEncrypted(value)) ids.push(value.slice(7, value.indexOf(':', 7)))
  }
  return ids
}

/** Turns a stored row into the event `query()` returns, decrypting what its keys still allow. */
export function decodeEvent(
  row: StoredEventRow,
  body: EventBody,
  keys: ReadonlyMap<string, SubjectKey>,
): AuditEvent {
  const actor: AuditActor = { id: body.actor.id as string, type: body.actor.type as AuditActor['type'] }
  if (body.actor.role !== undefined) actor.role = body.actor.role
  let erased = false
  for (const field of PERSONAL_ACTOR_FIELDS) {
    const value = body.actor[field]
    if (value === undefined) continue
    if (!isEncrypted(value)) {
      actor[field] = value
      continue
    }
    const plain = decryptField(keys, body.id, `actor.${field}`, value)
    if (plain === undefined) erased = true
    actor[field] = plain ?? ERASED
  }
  const event: AuditEvent = {
    id: body.id,
    chainId: body.chain,
    seq: body.seq,
    action: body.action,
    category: body.category as AuditEvent['category'],
    severity: body.severity as AuditEvent['severity'],
    outcome: body.outcome as AuditEvent['outcome'],
    actor,
    occurredAt: new Date(body.occurredAt).toISOString(),
    recordedAt: new Date(body.recordedAt).toISOString(),
    prevHash: row.prevHash,
    hash: row.hash,
  }
  if (body.reason !== undefined) event.reason = body.reason
  if (body.target !== undefined) event.target = body.target
  if (body.tenantId !== undefined) event.tenantId = body.tenantId
  if (body.before !== undefined) event.before = body.before
  if (body.after !== undefined) event.after = body.after
  if (body.metadata !== undefined) event.metadata = body.metadata
  if (body.requestId !== undefined) event.requestId = body.requestId
  if (body.sessionId !== undefined) event.sessionId = body.sessionId
  if (body.correlationId !== undefined) event.correlationId = body.correlationId
  if (erased) event.erased = true
  return event
}
