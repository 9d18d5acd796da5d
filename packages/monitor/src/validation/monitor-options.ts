import type { Clock, Logger } from '@opskit/core'
import { Registry } from 'prom-client'
import { z } from 'zod'
import type { MonitorOptions } from '../monitor/monitor-types.js'
import type { SampleSource } from '../rules/sample-source.js'
import type { MonitorStore } from '../store/monitor-store.js'

/** Validation of `createMonitor`'s {@link MonitorOptions}. */
export const monitorOptionsSchema = z.object({
  serviceName: z.string().min(1).max(200),
  registry: z.instanceof(Registry).optional(),
  db: z.unknown().optional(),
  clock: z.custom<Clock>((v) => typeof v === 'object' && v !== null && 'now' in v).optional(),
  logger: z.custom<Logger>((v) => typeof v === 'object' && v !== null).optional(),
  defaultMetrics: z.boolean().optional(),
  maxSeriesPerMetric: z.number().int().positive().optional(),
  sampleSource: z.custom<SampleSource>((v) => typeof (v as SampleSource)?.collect === 'function').optional(),
  externalUrl: z.string().max(2000).optional(),
  notifyRetries: z.number().int().min(0).max(10).optional(),
  tablePrefix: z.string().optional(),
  store: z.custom<MonitorStore>((v) => typeof (v as MonitorStore)?.put === 'function').optional(),
  tenantMode: z.enum(['off', 'optional', 'required']).optional(),
  tenantLabel: z
    .string()
    .regex(/^[a-zA-Z_][a-zA-Z0-9_]*$/, 'a label name')
    .optional(),
  incidentCacheSize: z.number().int().min(0).max(1_000_000).optional(),
})
