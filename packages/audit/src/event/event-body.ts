import { decryptField, encryptedKeyId, isEncrypted } from '../crypto/subject-crypto.js'
import type { StoredEventRow, SubjectKey } from '../store/audit-store.js'
import { canonicalJson, inCanonicalOrder, NOT_IN_ORDER } from './canonical.js'
import { type AuditActor, type AuditEvent, ERASED, type ParsedAuditEvent } from './event-schema.js'

/** Actor fields that are personal data: encrypted with the subject's key, erased by `forgetSubject`. */
export const PERSONAL_ACTOR_FIELDS = ['name', 'email', 'ip', 'userAgent'] as const

/** The hashed body of an event (format version 1), as parsed back from storage. Times are epoch ms. */
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
  /** Free-text fields escaped or truncated at intake. */
  sanitized?: string[]
}

const quote = JSON.stringify

/** Where an event lands: decided inside the write transaction. */
export interface EventPosition {
  id: string
  chainId: string
  seq: number
  recordedAt: number
}

/** The actor member of an event's body: personal fields sealed, keys in canonical (sorted) order. */
export interface SealedActor {
  email: string | undefined
  id: string
  ip: string | undefined
  name: string | undefined
  role: string | undefined
  type: string
  userAgent: string | undefined
}

/**
 * The actor member of an event's body, personal fields passed through `seal` (encryption with the
 * subject's key) when it is given: one object of string members in sorted key order, so
 * `JSON.stringify` encodes it canonically (dropping the members left `undefined`).
 */
export function sealActor(
  actor: ParsedAuditEvent['actor'],
  seal?: (field: string, value: string) => string,
): SealedActor {
  const personal = (field: (typeof PERSONAL_ACTOR_FIELDS)[number]) => {
    const value = actor[field]
    return value === undefined || !seal ? value : seal(`actor.${field}`, value)
  }
  return {
    email: personal('email'),
    id: actor.id,
    ip: personal('ip'),
    name: personal('name'),
    role: actor.role,
    type: actor.type,
    userAgent: personal('userAgent'),
  }
}

type BodyEvent = ParsedAuditEvent & { occurredAt: number; sanitized?: readonly string[] }

/**
 * The canonical encoding of an event's body (format version 1, times in epoch ms): exactly the
 * bytes the leaf hash covers, equal to {@link canonicalJson} of the {@link EventBody} it parses
 * to. It runs for every event, so it is one `JSON.stringify` of an object whose keys are in
 * canonical order (members left `undefined` are dropped), `before`/`after`/`metadata` put in
 * canonical order without a copy when they already are (see {@link inCanonicalOrder}): one flat
 * string, where building it member by member made a string per member and copied them all again.
 */
export function encodeBody(event: BodyEvent, position: EventPosition, actor: SealedActor): string {
  const after = event.after === undefined ? undefined : inCanonicalOrder(event.after)
  const before = event.before === undefined ? undefined : inCanonicalOrder(event.before)
  const metadata = event.metadata === undefined ? undefined : inCanonicalOrder(event.metadata)
  if (after === NOT_IN_ORDER || before === NOT_IN_ORDER || metadata === NOT_IN_ORDER)
    return encodeBodyText(event, position, JSON.stringify(actor))
  const target = event.target
  return JSON.stringify({
    action: event.action,
    actor,
    after,
    before,
    category: event.category,
    chain: position.chainId,
    correlationId: event.correlationId,
    id: position.id,
    metadata,
    occurredAt: event.occurredAt,
    outcome: event.outcome,
    reason: event.reason,
    recordedAt: position.recordedAt,
    requestId: event.requestId,
    sanitized: event.sanitized,
    seq: position.seq,
    sessionId: event.sessionId,
    severity: event.severity,
    target: target === undefined ? undefined : { id: target.id, name: target.name, type: target.type },
    tenantId: event.tenantId,
    v: 1,
  })
}

/**
 * {@link encodeBody} member by member, for `before`/`after`/`metadata` that no JS object can hold
 * in canonical order (keys that start with a digit: objects list array indexes first).
 */
function encodeBodyText(event: BodyEvent, position: EventPosition, actorJson: string): string {
  let out = `{"action":${quote(event.action)},"actor":${actorJson}`
  if (event.after !== undefined) out += `,"after":${canonicalJson(event.after)}`
  if (event.before !== undefined) out += `,"before":${canonicalJson(event.before)}`
  out += `,"category":${quote(event.category)},"chain":${quote(position.chainId)}`
  if (event.correlationId !== undefined) out += `,"correlationId":${quote(event.correlationId)}`
  out += `,"id":${quote(position.id)}`
  if (event.metadata !== undefined) out += `,"metadata":${canonicalJson(event.metadata)}`
  out += `,"occurredAt":${event.occurredAt},"outcome":${quote(event.outcome)}`
  if (event.reason !== undefined) out += `,"reason":${quote(event.reason)}`
  out += `,"recordedAt":${position.recordedAt}`
  if (event.requestId !== undefined) out += `,"requestId":${quote(event.requestId)}`
  if (event.sanitized !== undefined) out += `,"sanitized":${quote(event.sanitized)}`
  out += `,"seq":${position.seq}`
  if (event.sessionId !== undefined) out += `,"sessionId":${quote(event.sessionId)}`
  out += `,"severity":${quote(event.severity)}`
  const target = event.target
  if (target !== undefined) {
    out += ',"target":{'
    if (target.id !== undefined) out += `"id":${quote(target.id)},`
    if (target.name !== undefined) out += `"name":${quote(target.name)},`
    out += `"type":${quote(target.type)}}`
  }
  if (event.tenantId !== undefined) out += `,"tenantId":${quote(event.tenantId)}`
  return `${out},"v":1}`
}

/** What the indexed columns are taken from: a parsed event or a stored body. */
export interface IndexedContent {
  tenantId?: string | undefined
  occurredAt: number
  actor: { id?: string | undefined }
  action: string
  category: string
  outcome: string
  severity: string
  target?: { type: string; id?: string | undefined } | undefined
}

/**
 * The stored row of an event at a position: its indexed columns, taken from the content, and the
 * sealed body with its hashes. The writer stores it; verify rebuilds it from the hashed body and
 * compares the columns. One object literal with a fixed shape, since it is built for every event.
 */
export function storedRow(
  content: IndexedContent,
  position: EventPosition,
  body: string,
  leafHash: string,
  prevHash: string,
  hash: string,
): StoredEventRow {
  return {
    id: position.id,
    chainId: position.chainId,
    seq: position.seq,
    tenantId: content.tenantId ?? null,
    occurredAt: content.occurredAt,
    recordedAt: position.recordedAt,
    actorId: content.actor.id as string,
    action: content.action,
    category: content.category,
    outcome: content.outcome,
    severity: content.severity,
    targetType: content.target?.type ?? null,
    targetId: content.target?.id ?? null,
    body,
    leafHash,
    prevHash,
    hash,
  }
}

/** Key ids a row's encrypted fields need. */
export function keyIdsOf(body: EventBody): string[] {
  const ids: string[] = []
  for (const field of PERSONAL_ACTOR_FIELDS) {
    const value = body.actor[field]
    if (isEncrypted(value)) ids.push(encryptedKeyId(value))
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
  if (body.sanitized !== undefined) event.sanitized = body.sanitized
  if (erased) event.erased = true
  return event
}
