import { decryptField, encryptField, isEncrypted } from '../crypto/subject-crypto.js'
import type { StoredEventRow, SubjectKey } from '../store/audit-store.js'
import { sortKeysDeep } from './canonical.js'
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
  // Keys are inserted in canonical (sorted) order so that JSON.stringify is the canonical encoding.
  const actor: Record<string, string> = {}
  const personal = (field: (typeof PERSONAL_ACTOR_FIELDS)[number]) => {
    const value = event.actor[field]
    if (value !== undefined)
      actor[field] = key ? encryptField(key, position.id, `actor.${field}`, value) : value
  }
  personal('email')
  actor.id = event.actor.id
  personal('ip')
  personal('name')
  if (event.actor.role !== undefined) actor.role = event.actor.role
  actor.type = event.actor.type
  personal('userAgent')
  const target = event.target
  return {
    action: event.action,
    actor,
    after: event.after === undefined ? undefined : sortKeysDeep(event.after),
    before: event.before === undefined ? undefined : sortKeysDeep(event.before),
    category: event.category,
    chain: position.chainId,
    correlationId: event.correlationId,
    id: position.id,
    metadata: event.metadata === undefined ? undefined : sortKeysDeep(event.metadata),
    occurredAt: event.occurredAt,
    outcome: event.outcome,
    reason: event.reason,
    recordedAt: position.recordedAt,
    requestId: event.requestId,
    seq: position.seq,
    sessionId: event.sessionId,
    severity: event.severity,
    target:
      target === undefined
        ? undefined
        : {
            ...(target.id !== undefined ? { id: target.id } : {}),
            ...(target.name !== undefined ? { name: target.name } : {}),
            type: target.type,
          },
    tenantId: event.tenantId,
    v: 1,
  }
}

/** Encodes a body built by {@link buildBody} canonically (the bytes the leaf hash covers). */
export function encodeBody(body: EventBody): string {
  return JSON.stringify(body)
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
