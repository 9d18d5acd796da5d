import { z } from 'zod'

/**
 * The plain-value options of `createAuditLog` (objects such as `db`, `store`, `clock` and the
 * keys are checked where they are used). Unknown keys pass: the option type is the contract.
 */
export const auditLogOptionsSchema = z.looseObject({
  origin: z.string().regex(/^\S+$/, 'must be non-empty without whitespace').optional(),
  keyName: z.string().optional(),
  checkpointEvery: z.number().int().min(1, 'must be a positive integer').optional(),
  maxBatch: z.number().int().min(1, 'must be a positive integer').optional(),
  tenantMode: z.enum(['off', 'optional', 'required']).optional(),
  encryptPersonalData: z.boolean().optional(),
  auditReads: z.boolean().optional(),
  redact: z.array(z.string()).readonly().optional(),
  writerThread: z.union([z.boolean(), z.literal('auto')]).optional(),
  tablePrefix: z.string().optional(),
  onCheckpoint: z.function().optional(),
})

/** A threshold of `onEvent`: a positive integer count and window, and a positive `maxKeys` when given. */
export const eventThresholdSchema = z.looseObject({
  count: z.number().int().min(1),
  windowMs: z.number().positive(),
  by: z.enum(['actor', 'tenant', 'ip', 'global']).optional(),
  maxKeys: z.number().int().min(1).optional(),
})
