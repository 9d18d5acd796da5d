import { isBoundedJsonObject } from '@opskit/core/internal'
import { z } from 'zod'
import {
  AUDIT_ACTOR_TYPES,
  AUDIT_CATEGORIES,
  AUDIT_OUTCOMES,
  AUDIT_SEVERITIES,
  actorSchema,
  MAX_JSON,
  type ParsedAuditEvent,
} from './event-schema.js'

/**
 * `log()`'s fast path: parses the common shapes of an audit event by hand and returns exactly
 * what `auditEventSchema` would (the same values and defaults; the free-form objects by
 * reference, as the schema passes them), or `undefined` for anything else, which the schema then
 * parses and, when it is invalid, explains. So the schema stays the definition of what is valid,
 * and the test suite compares the two on valid, invalid and generated events.
 *
 * Left to the schema: dates given as `Date` or ISO strings, e-mail addresses other than through
 * the schema's own check, IPv6 addresses, members present with the value `undefined`, and any
 * object that is not plain.
 */
export function parseEventFast(input: unknown): ParsedAuditEvent | undefined {
  if (!isPlainObject(input)) return undefined
  const event = input as Record<string, unknown>
  for (const key of Object.keys(event)) if (!EVENT_KEYS.has(key) || event[key] === undefined) return undefined
  const { action, category } = event
  if (typeof action !== 'string' || action.length > 128 || !ACTION.test(action)) return undefined
  if (!CATEGORIES.has(category)) return undefined
  // Defaults apply to absent members only (never to null), as in the schema.
  const severity = event.severity === undefined ? 'info' : event.severity
  const outcome = event.outcome === undefined ? 'success' : event.outcome
  if (!SEVERITIES.has(severity) || !OUTCOMES.has(outcome)) return undefined
  const actor = parseActor(event.actor)
  if (!actor) return undefined
  const out: Record<string, unknown> = { action, category, severity, outcome }
  if (!copyLine(out, 'reason', event.reason, 1024)) return undefined
  out.actor = actor
  if (event.target !== undefined) {
    const target = parseTarget(event.target)
    if (!target) return undefined
    out.target = target
  }
  const { tenantId } = event
  if (tenantId !== undefined) {
    if (typeof tenantId !== 'string' || tenantId.length > 128 || !TENANT.test(tenantId)) return undefined
    out.tenantId = tenantId
  }
  for (const key of ['before', 'after', 'metadata'] as const) {
    const value = event[key]
    if (value === undefined) continue
    if (!isBoundedJsonObject(value, MAX_JSON)) return undefined
    out[key] = value
  }
  for (const key of ['requestId', 'sessionId', 'correlationId'] as const)
    if (!copyLine(out, key, event[key], 256)) return undefined
  const { occurredAt } = event
  if (occurredAt !== undefined) {
    if (typeof occurredAt !== 'number' || !Number.isInteger(occurredAt)) return undefined
    if (occurredAt < 0 || occurredAt > 8.64e15) return undefined
    out.occurredAt = occurredAt
  }
  return out as ParsedAuditEvent
}

const EVENT_KEYS = new Set([
  'action',
  'category',
  'severity',
  'outcome',
  'reason',
  'actor',
  'target',
  'tenantId',
  'before',
  'after',
  'metadata',
  'requestId',
  'sessionId',
  'correlationId',
  'occurredAt',
])
const ACTOR_KEYS = new Set(['id', 'type', 'name', 'email', 'role', 'ip', 'userAgent'])
const TARGET_KEYS = new Set(['type', 'id', 'name'])
const CATEGORIES: ReadonlySet<unknown> = new Set(AUDIT_CATEGORIES)
const SEVERITIES: ReadonlySet<unknown> = new Set(AUDIT_SEVERITIES)
const OUTCOMES: ReadonlySet<unknown> = new Set(AUDIT_OUTCOMES)
const ACTOR_TYPES: ReadonlySet<unknown> = new Set(AUDIT_ACTOR_TYPES)
// The schema's patterns; the action's also implies its minimum length of 1.
const ACTION = /^[a-z0-9_]+(\.[a-z0-9_-]+)*$/
const TENANT = /^[A-Za-z0-9._:@-]+$/
const IPV4 = z.regexes.ipv4
const emailSchema = actorSchema.shape.email

function isPlainObject(value: unknown): value is object {
  if (typeof value !== 'object' || value === null) return false
  const proto = Object.getPrototypeOf(value)
  return proto === Object.prototype || proto === null
}

/** A single line of 1 to `max` UTF-16 units without control characters, or `undefined`. */
function line(value: unknown, max: number): string | undefined {
  if (typeof value !== 'string' || value.length === 0 || value.length > max) return undefined
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (code < 0x20 || code === 0x7f) return undefined
  }
  return value
}

/** Copies a valid line to `out[key]`; false when `value` is present and not one. */
function copyLine(out: Record<string, unknown>, key: string, value: unknown, max: number): boolean {
  if (value === undefined) return true
  const valid = line(value, max)
  if (valid === undefined) return false
  out[key] = valid
  return true
}

function parseActor(input: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(input)) return undefined
  const actor = input as Record<string, unknown>
  for (const key of Object.keys(actor)) if (!ACTOR_KEYS.has(key) || actor[key] === undefined) return undefined
  const id = line(actor.id, 256)
  const type = actor.type === undefined ? 'user' : actor.type
  if (!id || !ACTOR_TYPES.has(type)) return undefined
  const out: Record<string, unknown> = { id, type }
  if (!copyLine(out, 'name', actor.name, 256)) return undefined
  if (actor.email !== undefined) {
    if (!emailSchema.safeParse(actor.email).success) return undefined
    out.email = actor.email
  }
  if (!copyLine(out, 'role', actor.role, 128)) return undefined
  if (actor.ip !== undefined) {
    if (typeof actor.ip !== 'string' || !IPV4.test(actor.ip)) return undefined
    out.ip = actor.ip
  }
  if (!copyLine(out, 'userAgent', actor.userAgent, 1024)) return undefined
  return out
}

function parseTarget(input: unknown): Record<string, unknown> | undefined {
  if (!isPlainObject(input)) return undefined
  const target = input as Record<string, unknown>
  for (const key of Object.keys(target))
    if (!TARGET_KEYS.has(key) || target[key] === undefined) return undefined
  const type = line(target.type, 128)
  if (!type) return undefined
  const out: Record<string, unknown> = { type }
  if (!copyLine(out, 'id', target.id, 256) || !copyLine(out, 'name', target.name, 256)) return undefined
  return out
}
