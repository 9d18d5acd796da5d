import { generateKeyPairSync, type KeyObject } from 'node:crypto'
import {
  type AuditActor,
  type AuditCheckpoint,
  type AuditLog,
  createAuditLog,
  createKyselyAuditStore,
} from '@opskit/audit'
import type { HostDatabase, Logger } from '@opskit/core'
import { z } from 'zod'
import type { DomainHooks, RequestActor } from '../domain/hooks.js'
import { auditIp } from '../http/client-ip.js'

/** @opskit/audit in the ticketing service: every domain event becomes a chained audit record. */
export interface AuditWiring {
  log: AuditLog
  /** The public half of the checkpoint signing key, for `verify({ publicKey })`. */
  publicKey: KeyObject
  /** Checkpoints handed out so far (a real host ships them outside the database). */
  checkpoints: AuditCheckpoint[]
  close(): Promise<void>
}

const emailSchema = z.email()

/**
 * The audit actor of a request. `fallbackEmail` is what a client typed (a login or sign-up
 * address): it becomes the actor's `email` only when it is one, and its `name` otherwise, so an
 * odd value is recorded (escaped and cut by @opskit/audit) instead of failing the record.
 */
function actor(a: RequestActor, fallbackEmail?: string): AuditActor {
  const ip = auditIp(a.ip)
  const typed = a.email ?? fallbackEmail
  const email = typed !== undefined && emailSchema.safeParse(typed).success ? typed : undefined
  const name = typed !== undefined && email === undefined && typed !== '' ? typed : undefined
  return {
    id: a.userId ?? `anonymous:${typed || 'unknown'}`,
    type: a.userId ? 'user' : 'anonymous',
    ...(email ? { email } : {}),
    ...(name ? { name } : {}),
    ...(a.role ? { role: a.role } : {}),
    ...(ip ? { ip } : {}),
    ...(a.userAgent ? { userAgent: a.userAgent } : {}),
  }
}

/** Wires @opskit/audit: the log on the host's database, fed by the service's domain hooks. */
export async function wireAudit(options: {
  db: HostDatabase
  hooks: DomainHooks
  logger: Logger
}): Promise<AuditWiring> {
  // A real host loads this key from its secret store; the example makes one per process.
  const { privateKey, publicKey } = generateKeyPairSync('ed25519')
  const checkpoints: AuditCheckpoint[] = []
  const log = await createAuditLog({
    store: await createKyselyAuditStore({ db: options.db, logger: options.logger }),
    signingKey: privateKey,
    keyName: 'ticketing-example',
    checkpointEvery: 100,
    onCheckpoint: (checkpoint) => {
      checkpoints.push(checkpoint)
    },
    redact: ['metadata.password'],
    // The operator page reads the trail on every refresh; its logins are audited instead
    // (`ops.login`), so the chain is not flooded with one `audit.query` event per refresh.
    auditReads: false,
    logger: options.logger,
  })
  const { hooks } = options
  // Security-relevant records fail closed: if one cannot be written, the request fails.
  const critical = { critical: true }
  hooks.on('user.registered', async (e) => {
    await log.logRegistration({
      actor: actor(e.actor, e.email),
      target: { type: 'user', id: e.userId },
      requestId: e.actor.requestId,
    })
  })
  hooks.on(
    'user.login',
    async (e) => {
      await log.logLogin({
        actor: actor(e.actor, e.email),
        outcome: e.success ? 'success' : 'failure',
        severity: e.success ? 'info' : 'warning',
        ...(e.reason ? { reason: e.reason } : {}),
        requestId: e.actor.requestId,
      })
    },
    critical,
  )
  hooks.on('order.created', async (e) => {
    await log.log({
      action: 'order.create',
      category: 'payment',
      actor: actor(e.actor),
      target: { type: 'order', id: e.orderId },
      after: { eventId: e.eventId, eventName: e.eventName, quantity: e.quantity, totalCents: e.totalCents },
      requestId: e.actor.requestId,
    })
  })
  hooks.on(
    'order.refunded',
    async (e) => {
      await log.log({
        action: 'order.refund',
        category: 'payment',
        actor: actor(e.actor),
        target: { type: 'order', id: e.orderId },
        before: { status: 'paid' },
        after: { status: 'refunded', refundId: e.refundId, amountCents: e.amountCents },
        reason: e.reason,
        requestId: e.actor.requestId,
      })
    },
    critical,
  )
  hooks.on(
    'user.role_changed',
    async (e) => {
      await log.logPermissionChange({
        actor: actor(e.actor),
        target: { type: 'user', id: e.userId, name: e.email },
        before: { role: e.before },
        after: { role: e.after },
        severity: e.after === 'admin' ? 'warning' : 'info',
        requestId: e.actor.requestId,
      })
    },
    critical,
  )
  return { log, publicKey, checkpoints, close: () => log.close() }
}
