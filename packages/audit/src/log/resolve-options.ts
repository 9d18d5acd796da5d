import type { KeyObject } from 'node:crypto'
import { type Clock, type Logger, noopLogger, parseInput, systemClock, type TenantMode } from '@opskit/core'
import { createRedactor, type Redactor } from '@opskit/core/internal'
import { toPrivateKey, toPublicKey } from '../checkpoint/checkpoint.js'
import { AuditError } from '../errors/audit-error.js'
import { auditLogOptionsSchema } from '../validation/audit-log-options-schema.js'
import type { AuditCheckpoint } from './audit-log.js'
import type { AuditLogOptions, AuditMetrics } from './audit-log-options.js'

/** {@link AuditLogOptions} checked, with their defaults applied and keys parsed. */
export interface ResolvedAuditLogOptions {
  clock: Clock
  /** The host's logger, scoped to `component: opskit-audit`. */
  logger: Logger
  metrics: AuditMetrics
  /** Signs checkpoints and retention statements; absent: they are unsigned. */
  signingKey: KeyObject | undefined
  /** The signing key's public half: what `verify` checks against by default. */
  publicKey: KeyObject | undefined
  keyName: string | undefined
  /** Checkpoint origin prefix; tenant chains append `/tenant/<id>`. */
  originBase: string
  checkpointEvery: number
  maxBatch: number
  tenantMode: TenantMode
  encryptPersonalData: boolean
  auditReads: boolean
  redact: Redactor
  onCheckpoint: ((checkpoint: AuditCheckpoint) => void | Promise<void>) | undefined
}

/** Throws `AUDIT_INVALID_OPTIONS` for bad options; returns them resolved. */
export function resolveAuditLogOptions(options: AuditLogOptions): ResolvedAuditLogOptions {
  if (!options.store && !options.db)
    throw new AuditError(
      'AUDIT_INVALID_OPTIONS',
      'createAuditLog needs `store` (e.g. await createKyselyAuditStore({ db })) or `db`',
    )
  if (options.store && options.subjectKeyWrappingKey !== undefined)
    throw new AuditError(
      'AUDIT_INVALID_OPTIONS',
      'subjectKeyWrappingKey goes to the store you pass (createKyselyAuditStore({ subjectKeyWrappingKey }))',
    )
  parseInput(
    auditLogOptionsSchema,
    options,
    (message, issues) =>
      new AuditError('AUDIT_INVALID_OPTIONS', `invalid audit log options: ${message}`, {
        details: { issues },
      }),
  )
  const signingKey = options.signingKey ? toPrivateKey(options.signingKey) : undefined
  return {
    clock: options.clock ?? systemClock,
    logger: (options.logger ?? noopLogger).child({ component: 'opskit-audit' }),
    metrics: options.metrics ?? {},
    signingKey,
    publicKey: signingKey ? toPublicKey(signingKey) : undefined,
    keyName: options.keyName || undefined,
    originBase: options.origin ?? 'opskit-audit',
    checkpointEvery: options.checkpointEvery ?? 1000,
    maxBatch: options.maxBatch ?? 1000,
    tenantMode: options.tenantMode ?? 'optional',
    encryptPersonalData: options.encryptPersonalData ?? true,
    auditReads: options.auditReads ?? true,
    redact: createRedactor(options.redact ?? []),
    onCheckpoint: options.onCheckpoint,
  }
}
