import { jsonObjectSchema } from '@opskit/core'
import { z } from 'zod'

/** Event categories, close to OCSF/CADF event classes. */
export const AUDIT_CATEGORIES = [
  'authentication',
  'authorization',
  'session',
  'data_access',
  'data_modification',
  'data_deletion',
  'export',
  'config_change',
  'permission_change',
  'security',
  'admin',
  'payment',
  'pii_access',
  'compliance',
] as const

/** How serious an event is. */
export const AUDIT_SEVERITIES = ['info', 'warning', 'error', 'critical'] as const

/** Whether the audited action succeeded. */
export const AUDIT_OUTCOMES = ['success', 'failure'] as const

/** Kinds of actors. */
export const AUDIT_ACTOR_TYPES = ['user', 'service', 'system', 'api_key', 'anonymous'] as const

/** One of {@link AUDIT_CATEGORIES}. */
export type AuditCategory = (typeof AUDIT_CATEGORIES)[number]
/** One of {@link AUDIT_SEVERITIES}. */
export type AuditSeverity = (typeof AUDIT_SEVERITIES)[number]
/** One of {@link AUDIT_OUTCOMES}. */
export type AuditOutcome = (typeof AUDIT_OUTCOMES)[number]
/** One of {@link AUDIT_ACTOR_TYPES}. */
export type AuditActorType = (typeof AUDIT_ACTOR_TYPES)[number]

/** Limits of the free-form `before`, `after` and `metadata` objects. */
export const MAX_JSON = { maxDepth: 8, maxBytes: 32_768 }
const text = (max: number) => z.string().min(1).max(max)
// A single line without control characters: ids and names end up in CSV cells and checkpoints.
const line = (max: number) =>
  text(max).refine((value) => !hasControlCharacters(value), {
    message: 'must not contain control characters',
  })

function hasControlCharacters(value: string): boolean {
  for (let i = 0; i < value.length; i++) {
    const code = value.charCodeAt(i)
    if (code < 0x20 || code === 0x7f) return true
  }
  return false
}
/** Tenant ids appear in checkpoint origins, so they are restricted to a URL-safe alphabet. */
export const tenantIdSchema = z
  .string()
  .min(1)
  .max(128)
  .regex(/^[A-Za-z0-9._:@-]+$/, { message: 'tenantId may only use letters, digits and . _ : @ -' })

const instantSchema = z
  .union([z.date(), z.iso.datetime({ offset: true }), z.number().int().min(0).max(8.64e15)])
  .transform((value, ctx) => {
    const ms = value instanceof Date ? value.getTime() : typeof value === 'string' ? Date.parse(value) : value
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: 'custom', message: 'invalid date' })
      return z.NEVER
    }
    return ms
  })

/** Zod schema of an instant: a `Date`, an ISO-8601 string with offset, or epoch milliseconds. */
export const auditInstantSchema = instantSchema

/** The actor: who did it. `name`, `email`, `ip` and `userAgent` are personal data (encrypted at rest). */
export const actorSchema = z.strictObject({
  id: line(256),
  type: z.enum(AUDIT_ACTOR_TYPES).default('user'),
  name: line(256).optional(),
  email: z.email().max(320).optional(),
  role: line(128).optional(),
  ip: z.union([z.ipv4(), z.ipv6()]).optional(),
  userAgent: line(1024).optional(),
})

/** The target: what it was done to. */
export const targetSchema = z.strictObject({
  type: line(128),
  id: line(256).optional(),
  name: line(256).optional(),
})

/** Zod schema of what `log()` accepts; see {@link AuditEventInput}. */
export const auditEventSchema = z.strictObject({
  action: z
    .string()
    .min(1)
    .max(128)
    .regex(/^[a-z0-9_]+(\.[a-z0-9_-]+)*$/, {
      message: 'action must be dot-namespaced lower-case words, e.g. user.login',
    }),
  category: z.enum(AUDIT_CATEGORIES),
  severity: z.enum(AUDIT_SEVERITIES).default('info'),
  outcome: z.enum(AUDIT_OUTCOMES).default('success'),
  reason: line(1024).optional(),
  actor: actorSchema,
  target: targetSchema.optional(),
  tenantId: tenantIdSchema.optional(),
  before: jsonObjectSchema(MAX_JSON).optional(),
  after: jsonObjectSchema(MAX_JSON).optional(),
  metadata: jsonObjectSchema(MAX_JSON).optional(),
  requestId: line(256).optional(),
  sessionId: line(256).optional(),
  correlationId: line(256).optional(),
  occurredAt: instantSchema.optional(),
})

/** What `log()` accepts (before defaults). */
export type AuditEventInput = z.input<typeof auditEventSchema>
/** An event after validation and defaults. */
export type ParsedAuditEvent = z.output<typeof auditEventSchema>

/** The actor of a stored event; personal fields read as {@link ERASED} after `forgetSubject`. */
export interface AuditActor {
  id: string
  type: AuditActorType
  name?: string
  email?: string
  role?: string
  ip?: string
  userAgent?: string
}

/** The target of a stored event. */
export interface AuditTarget {
  type: string
  id?: string
  name?: string
}

/** What personal fields read as once their subject's key was destroyed by `forgetSubject`. */
export const ERASED = '[erased]'

/** A stored, chained audit event as `query()` returns it. */
export interface AuditEvent {
  /** UUIDv7, time-ordered. */
  id: string
  /** The chain the event belongs to: its tenant id, or `''` for the single chain without tenants. */
  chainId: string
  /** Position in the chain, gap-free from 1. */
  seq: number
  action: string
  category: AuditCategory
  severity: AuditSeverity
  outcome: AuditOutcome
  reason?: string
  actor: AuditActor
  target?: AuditTarget
  tenantId?: string
  before?: Record<string, unknown>
  after?: Record<string, unknown>
  metadata?: Record<string, unknown>
  requestId?: string
  sessionId?: string
  correlationId?: string
  /** When the action happened (caller's clock), ISO-8601. */
  occurredAt: string
  /** When the log recorded it (the log's clock), ISO-8601. */
  recordedAt: string
  /** Chain hash of the previous event (hex SHA-256; 64 zeros for the first). */
  prevHash: string
  /** Chain hash of this event (hex SHA-256). */
  hash: string
  /** True when personal fields were erased by `forgetSubject`. */
  erased?: boolean
  /**
   * Paths of the free-text fields `log()` had to change to keep the event (control characters
   * escaped as U+2400 control pictures, values cut with `…[truncated]`, empty optional text dropped).
   */
  sanitized?: string[]
}
