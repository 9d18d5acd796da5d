import type { HostDatabase, Logger } from '@opskit/core'
import { parseInput } from '@opskit/core'
import { z } from 'zod'
import type { PoolLike } from '../collectors/pool-collector.js'
import { MonitorError } from '../errors/monitor-error.js'
import { HTTP_DURATION_BUCKETS } from '../metrics/http-metrics.js'
import type { Duration } from '../rules/duration.js'

/** The alerts of the default rule pack. */
export type DefaultRuleName =
  | 'ProcessRestarting'
  | 'InstanceDown'
  | 'EventLoopLagHigh'
  | 'HeapUsageHigh'
  | 'HttpErrorRatioHigh'
  | 'HttpLatencyBudgetBurn'
  | 'DatabasePoolSaturated'
  | 'SqliteConnectionContended'
  | 'DiskSpaceLow'

/** A duration as Prometheus writes it in rule files: `30s`, `5m`, `1h`, `1h30m` (largest unit first). */
export type PromDuration = Exclude<Duration, number>

/** Thresholds of the default rules; each can be overridden. */
export interface DefaultRuleThresholds {
  /** ProcessRestarting: more restarts than this within `restartWindow`. @default 2 */
  restarts: number
  /** @default '15m' */
  restartWindow: PromDuration
  /** EventLoopLagHigh: p99 event-loop delay since the previous collection, in seconds. @default 0.2 */
  eventLoopLagSeconds: number
  /** HeapUsageHigh: used heap over V8's heap size limit. @default 0.9 */
  heapUsedRatio: number
  /** HttpErrorRatioHigh: share of 5xx responses over 5 minutes. @default 0.05 */
  httpErrorRatio: number
  /** HttpErrorRatioHigh: fewer requests than this in 5 minutes never alert (low traffic). @default 20 */
  httpMinRequests: number
  /** HttpLatencyBudgetBurn: share of requests that must be faster than `latencySeconds`. @default 0.99 */
  latencyObjective: number
  /** HttpLatencyBudgetBurn: the latency target, one of the RED histogram's buckets. @default 0.5 */
  latencySeconds: number
  /** DatabasePoolSaturated: more requests than this waiting for a pool connection. @default 0 */
  poolWaiting: number
  /** SqliteConnectionContended: seconds a probe waited for the SQLite handle's connection. @default 0.5 */
  sqliteWaitSeconds: number
  /** DiskSpaceLow: available over total bytes of the path's file system. @default 0.1 */
  diskFreeRatio: number
}

/** The defaults of {@link DefaultRuleThresholds}. */
export const DEFAULT_RULE_THRESHOLDS: Readonly<DefaultRuleThresholds> = {
  restarts: 2,
  restartWindow: '15m',
  eventLoopLagSeconds: 0.2,
  heapUsedRatio: 0.9,
  httpErrorRatio: 0.05,
  httpMinRequests: 20,
  latencyObjective: 0.99,
  latencySeconds: 0.5,
  poolWaiting: 0,
  sqliteWaitSeconds: 0.5,
  diskFreeRatio: 0.1,
}

/** Options of the default rule pack (`installDefaultRulePack`, `defaultRules`). */
export interface DefaultRulePackOptions {
  /** Paths whose file systems' free space is watched (DiskSpaceLow); none by default. */
  diskPaths?: string[] | undefined
  /** Connection pools (`pg.Pool`) by name (DatabasePoolSaturated). */
  pools?: Record<string, PoolLike> | undefined
  /** opskit SQLite handles (`openSqlite(path)`) by name (SqliteConnectionContended). */
  sqlite?: Record<string, HostDatabase> | undefined
  /** Overrides of {@link DEFAULT_RULE_THRESHOLDS}. */
  thresholds?: Partial<DefaultRuleThresholds> | undefined
  /** Overrides of a rule's `for`. */
  for?: Partial<Record<DefaultRuleName, PromDuration>> | undefined
  /** Rules left out. */
  disable?: DefaultRuleName[] | undefined
  /** Labels added to every rule (e.g. `team`); `severity` is the pack's. */
  labels?: Record<string, string> | undefined
  /** How long a `statfs` or SQLite file size is reused (about one scrape interval). @default 10_000 */
  cacheMs?: number | undefined
  /** How long a collection waits for the SQLite probe before reporting the wait so far. @default 1000 */
  sqliteProbeTimeoutMs?: number | undefined
  /** Where failed collector reads are logged (the series are left out). @default noopLogger */
  logger?: Logger | undefined
}

/** Every rule of the pack, in the order the pack adds them. */
export const RULE_NAMES: readonly DefaultRuleName[] = [
  'ProcessRestarting',
  'InstanceDown',
  'EventLoopLagHigh',
  'HeapUsageHigh',
  'HttpErrorRatioHigh',
  'HttpLatencyBudgetBurn',
  'DatabasePoolSaturated',
  'SqliteConnectionContended',
  'DiskSpaceLow',
]

const PROM_DURATION = /^(\d+w)?(\d+d)?(\d+h)?(\d+m)?(\d+s)?(\d+ms)?$/
const promDuration = z
  .string()
  .refine(
    (s) => s !== '' && PROM_DURATION.test(s) && !/^0+[a-z]+$/.test(s),
    'must be a Prometheus duration such as 5m',
  )
const ratio = z.number().gt(0).lte(1)
const LABEL_NAME = /^[a-zA-Z_][a-zA-Z0-9_]*$/

const thresholdsSchema = z
  .object({
    restarts: z.number().int().nonnegative(),
    restartWindow: promDuration,
    eventLoopLagSeconds: z.number().positive(),
    heapUsedRatio: ratio,
    httpErrorRatio: ratio,
    httpMinRequests: z.number().nonnegative(),
    latencyObjective: z.number().gt(0).lt(1),
    latencySeconds: z
      .number()
      .refine(
        (s) => HTTP_DURATION_BUCKETS.includes(s),
        `must be a bucket of the RED histogram (${HTTP_DURATION_BUCKETS.join(', ')})`,
      ),
    poolWaiting: z.number().nonnegative(),
    sqliteWaitSeconds: z.number().positive(),
    diskFreeRatio: ratio,
  })
  .strict()
  .partial()

const nameSchema = z.enum(RULE_NAMES as [DefaultRuleName, ...DefaultRuleName[]])
const schema = z
  .object({
    diskPaths: z.array(z.string().min(1)).optional(),
    pools: z
      .record(
        z.string().min(1),
        z.custom<PoolLike>(isPoolLike, 'must be a pool with totalCount, idleCount and waitingCount'),
      )
      .optional(),
    sqlite: z
      .record(
        z.string().min(1),
        z.custom<HostDatabase>(
          (v) => typeof (v as { getExecutor?: unknown })?.getExecutor === 'function',
          'must be a Kysely SQLite handle',
        ),
      )
      .optional(),
    thresholds: thresholdsSchema.optional(),
    for: z.partialRecord(nameSchema, promDuration).optional(),
    disable: z.array(nameSchema).optional(),
    labels: z
      .record(
        z
          .string()
          .regex(LABEL_NAME, 'must be a label name')
          .refine((n) => n !== 'severity', 'severity is set by the pack'),
        z.string(),
      )
      .optional(),
    cacheMs: z.number().int().nonnegative().optional(),
    sqliteProbeTimeoutMs: z.number().int().positive().max(60_000).optional(),
    logger: z
      .custom<Logger>((v) => typeof (v as { warn?: unknown })?.warn === 'function', 'must be a logger')
      .optional(),
  })
  .strict()

function isPoolLike(value: unknown): value is PoolLike {
  const p = value as Partial<PoolLike> | null
  return (
    typeof p === 'object' &&
    p !== null &&
    typeof p.totalCount === 'number' &&
    typeof p.idleCount === 'number' &&
    typeof p.waitingCount === 'number'
  )
}

/** Parsed options: thresholds with their defaults filled in. */
export interface ParsedPackOptions extends Omit<DefaultRulePackOptions, 'thresholds'> {
  thresholds: DefaultRuleThresholds
}

/** Validates the options; `MONITOR_INVALID_OPTIONS` naming the field otherwise. */
export function parsePackOptions(options: DefaultRulePackOptions | undefined): ParsedPackOptions {
  const parsed = parseInput(
    schema,
    options ?? {},
    (message, issues) =>
      new MonitorError('MONITOR_INVALID_OPTIONS', `invalid default rule pack options: ${message}`, {
        details: { issues },
      }),
  ) as DefaultRulePackOptions
  return { ...parsed, thresholds: { ...DEFAULT_RULE_THRESHOLDS, ...(parsed.thresholds ?? {}) } }
}
