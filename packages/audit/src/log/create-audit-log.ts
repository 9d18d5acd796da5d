import { createUuidV7Generator, type HostDatabase } from '@opskit/core'
import { EventHooks } from '../alerts/event-hooks.js'
import { createFieldSealer } from '../crypto/subject-crypto.js'
import { AuditError } from '../errors/audit-error.js'
import type { AuditEventInput } from '../event/event-schema.js'
import type { AuditStore } from '../store/audit-store.js'
import { createKyselyAuditStore } from '../store/kysely/kysely-audit-store.js'
import { eventThresholdSchema } from '../validation/audit-log-options-schema.js'
import type { AuditLog, EventFilter, LoggedEvent } from './audit-log.js'
import type { AuditLogOptions } from './audit-log-options.js'
import { createCheckpointer } from './checkpointer.js'
import { eventHelpers, prepareEvent } from './event-intake.js'
import { createGroupWriter } from './group-writer.js'
import type { AuditLogContext } from './log-context.js'
import { createReadApi } from './read-api.js'
import { type ResolvedAuditLogOptions, resolveAuditLogOptions } from './resolve-options.js'
import { createRetentionApi } from './retention.js'
import type { PendingEvent } from './seal-batch.js'
import { loadActiveTraceId } from './trace-context.js'
import { createVerify } from './verify-log.js'

/** The store the log writes to: the one given, or a Kysely store it makes on `db` (and owns). */
function openStore(options: AuditLogOptions, resolved: ResolvedAuditLogOptions): Promise<AuditStore> {
  if (options.store) return Promise.resolve(options.store)
  return createKyselyAuditStore({
    db: options.db as HostDatabase,
    tablePrefix: options.tablePrefix,
    writerThread: options.writerThread,
    logger: resolved.logger,
    subjectKeyWrappingKey: options.subjectKeyWrappingKey,
  })
}

/** Checks an `onEvent` threshold: `AUDIT_INVALID_OPTIONS` unless count, windowMs (and maxKeys) are positive. */
function checkThreshold(filter: EventFilter): void {
  if (filter.threshold && !eventThresholdSchema.safeParse(filter.threshold).success)
    throw new AuditError(
      'AUDIT_INVALID_OPTIONS',
      'onEvent threshold needs a positive integer count and windowMs (and maxKeys, when given)',
    )
}

/**
 * Creates the audit trail on `store` (or on the host's `db`): validates, redacts, encrypts
 * personal fields, chains and group-commits events.
 *
 * @example
 * ```ts
 * const store = await createKyselyAuditStore({ db })
 * const audit = await createAuditLog({ store, signingKey: process.env.AUDIT_KEY, onCheckpoint: ship })
 * await audit.logLogin({ actor: { id: 'u_1', ip: '203.0.113.9' }, outcome: 'failure', reason: 'bad password' })
 * const { ok, failures } = await audit.verify()
 * ```
 */
export async function createAuditLog(options: AuditLogOptions): Promise<AuditLog> {
  const resolved = resolveAuditLogOptions(options)
  const store = await openStore(options, resolved)
  const activeTraceId = await loadActiveTraceId()
  const newId = createUuidV7Generator(resolved.clock)
  const hooks = new EventHooks((error) =>
    resolved.logger.error({ err: error }, 'audit onEvent handler failed'),
  )
  const sealer = createFieldSealer()
  const checkpointer = createCheckpointer({ store, options: resolved })
  const writer = createGroupWriter({ store, options: resolved, hooks, sealer, checkpointer })
  let closed = false

  const log = (input: AuditEventInput): Promise<LoggedEvent> => {
    if (closed) return Promise.reject(new AuditError('AUDIT_CLOSED', 'the audit log is closed'))
    let event: PendingEvent['event']
    try {
      event = prepareEvent(input, resolved, activeTraceId)
    } catch (error) {
      return Promise.reject(error)
    }
    return new Promise<LoggedEvent>((resolve, reject) => {
      writer.enqueue({ event, chainId: event.tenantId ?? '', id: newId(), resolve, reject })
    })
  }

  const context: AuditLogContext = { store, options: resolved, hooks, sealer, log, flush: writer.flush }
  return {
    log,
    ...eventHelpers(log),
    ...createReadApi(context),
    verify: createVerify(context),
    ...createRetentionApi({ ...context, checkpointer }),

    onEvent(filter, handler) {
      checkThreshold(filter)
      return hooks.add(filter, handler)
    },

    async checkpoint() {
      await writer.flush()
      return checkpointer.checkpointWritten('interval')
    },

    flush: writer.flush,

    async close() {
      if (closed) return
      closed = true
      await writer.flush()
      await checkpointer.checkpointWritten('close')
      await store.close()
    },
  }
}
