import { POOL_METRICS } from '../collectors/pool-collector.js'
import { HEAP_LIMIT_METRIC } from '../collectors/runtime-collector.js'
import { SQLITE_METRICS } from '../collectors/sqlite-collector.js'
import type { AlertRuleDefinition } from '../rules/rule-engine-types.js'
import { BURN_RATE_PRESETS, burnRateThreshold } from '../slo/slo.js'
import {
  type DefaultRuleName,
  type DefaultRulePackOptions,
  type DefaultRuleThresholds,
  type ParsedPackOptions,
  type PromDuration,
  parsePackOptions,
} from './pack-options.js'

/** A rule of the pack: an alerting rule whose `for` is a Prometheus duration string. */
export interface DefaultRule extends AlertRuleDefinition {
  name: DefaultRuleName
  for: PromDuration
  labels: Record<string, string>
  annotations: { summary: string; description: string }
}

/** A number as a rule expression writes it (no float noise such as 0.14400000000000002). */
const num = (n: number) => String(Number(n.toPrecision(12)))

/** `le` of a bucket: Prometheus 3 writes integral bounds as `1.0`, prom-client as `1`. */
const leMatcher = (seconds: number) =>
  Number.isInteger(seconds) ? `le=~"${seconds}(\\\\.0)?"` : `le="${num(seconds)}"`

const REQUESTS = 'http_server_requests_total'
const DURATION = 'http_server_request_duration_seconds'
const THIRTY_DAYS_MS = 30 * 86_400_000

/** Share of requests slower than the target over `window`, per job. */
function slowRatio(t: DefaultRuleThresholds, window: string): string {
  return `(1 - sum by (job) (rate(${DURATION}_bucket{${leMatcher(t.latencySeconds)}}[${window}])) / sum by (job) (rate(${DURATION}_count[${window}])))`
}

type RuleSpec = Omit<DefaultRule, 'labels' | 'for'> & { severity: 'critical' | 'warning'; for: PromDuration }

function processRules(t: DefaultRuleThresholds): RuleSpec[] {
  return [
    {
      name: 'ProcessRestarting',
      expr: `changes(process_start_time_seconds[${t.restartWindow}]) > ${num(t.restarts)}`,
      for: '1m',
      severity: 'warning',
      annotations: {
        summary: `The process restarted {{ $value }} times in the last ${t.restartWindow}`,
        description: `process_start_time_seconds changed more than ${num(t.restarts)} times within ${t.restartWindow}: the process is crash-looping or being killed (OOM killer, failing liveness probe, deploy loop). Check the exit reasons (kubectl describe pod, journalctl, the supervisor's log) and the last log lines before each start.`,
      },
    },
    {
      name: 'InstanceDown',
      expr: 'up == 0',
      for: '5m',
      severity: 'critical',
      annotations: {
        summary: 'Target {{ $labels.instance }} of job {{ $labels.job }} is down',
        description:
          'Prometheus could not scrape the target (up == 0): the process is not running, not listening, or /metrics refuses the scraper. Check that the process is up, that its /metrics allowlist or Basic auth admits the scraper, and the network path. In-process monitors see `up` only when the host pushes it (alerts.samples) for peers it watches.',
      },
    },
    {
      name: 'EventLoopLagHigh',
      expr: `nodejs_eventloop_lag_p99_seconds > ${num(t.eventLoopLagSeconds)}`,
      for: '2m',
      severity: 'warning',
      annotations: {
        summary: 'Event-loop delay p99 is {{ $value }}s',
        description: `The p99 event-loop delay has stayed above ${num(t.eventLoopLagSeconds)}s: synchronous work (JSON of large bodies, crypto, regexes, sync file I/O, a busy loop) blocks every request of this process. Take a CPU profile (node --cpu-prof or the inspector) and move the hot synchronous work to a worker thread.`,
      },
    },
    {
      name: 'HeapUsageHigh',
      expr: `nodejs_heap_size_used_bytes / ${HEAP_LIMIT_METRIC} > ${num(t.heapUsedRatio)}`,
      for: '5m',
      severity: 'warning',
      annotations: {
        summary: 'The V8 heap is {{ $value }} of its limit',
        description: `Used heap has stayed above ${num(t.heapUsedRatio * 100)}% of V8's heap size limit: garbage collection is getting expensive and the process will abort with "heap out of memory" if it keeps growing. Look for a leak (a heap snapshot, growing caches or maps), or raise --max-old-space-size if the working set is legitimate.`,
      },
    },
  ]
}

function httpRules(t: DefaultRuleThresholds): RuleSpec[] {
  const budget = 1 - t.latencyObjective
  const rows = BURN_RATE_PRESETS.filter((p) => p.severity === 'page').map((p) => {
    const threshold = num(burnRateThreshold(p, THIRTY_DAYS_MS) * budget)
    return `(${slowRatio(t, p.longWindow)} > ${threshold} and ${slowRatio(t, p.shortWindow)} > ${threshold})`
  })
  return [
    {
      name: 'HttpErrorRatioHigh',
      expr: `sum by (job) (rate(${REQUESTS}{status_class="5xx"}[5m])) / sum by (job) (rate(${REQUESTS}[5m])) > ${num(t.httpErrorRatio)} and sum by (job) (increase(${REQUESTS}[5m])) >= ${num(t.httpMinRequests)}`,
      for: '5m',
      severity: 'critical',
      annotations: {
        summary: '{{ $value }} of HTTP requests fail with 5xx',
        description: `More than ${num(t.httpErrorRatio * 100)}% of the requests of the last 5 minutes ended in a 5xx response (with at least ${num(t.httpMinRequests)} requests). Look at http_server_requests_total by route for the failing routes, at the error logs and traces of those requests, and at the health of the dependencies they call; roll back a recent deploy if it started then.`,
      },
    },
    {
      name: 'HttpLatencyBudgetBurn',
      expr: rows.join(' or '),
      for: '2m',
      severity: 'critical',
      annotations: {
        summary: `Requests slower than ${num(t.latencySeconds)}s burn the latency error budget fast ({{ $value }} of requests are slow)`,
        description: `The latency SLO (${num(t.latencyObjective * 100)}% of requests within ${num(t.latencySeconds)}s over 30 days) is burning its error budget at 14.4× over 1h and 5m or 6× over 6h and 30m: at this pace 2% (5%) of the monthly budget is gone within the hour (six hours). Find the slow routes in http_server_request_duration_seconds, then the slow dependency (database pool, downstream calls) or the event-loop lag behind them.`,
      },
    },
  ]
}

function resourceRules(t: DefaultRuleThresholds, options: ParsedPackOptions): RuleSpec[] {
  const out: RuleSpec[] = []
  if (options.pools && Object.keys(options.pools).length > 0)
    out.push({
      name: 'DatabasePoolSaturated',
      expr: `${POOL_METRICS.waiting} > ${num(t.poolWaiting)}`,
      for: '2m',
      severity: 'warning',
      annotations: {
        summary: 'Pool {{ $labels.pool }} has {{ $value }} requests waiting for a connection',
        description:
          'Every connection of the pool is checked out and requests queue for one: queries are slow, transactions are held across slow work, or connections leak (a client not released). Look at pg_stat_activity for long-running or idle-in-transaction sessions, at the slowest queries, and only then consider a larger pool (the database limits connections too).',
      },
    })
  if (options.sqlite && Object.keys(options.sqlite).length > 0)
    out.push({
      name: 'SqliteConnectionContended',
      expr: `${SQLITE_METRICS.wait} > ${num(t.sqliteWaitSeconds)}`,
      for: '2m',
      severity: 'warning',
      annotations: {
        summary: 'SQLite database {{ $labels.database }}: queries wait {{ $value }}s for the connection',
        description:
          'The SQLite handle runs one query or transaction at a time and the others queue: a long transaction or a slow statement holds it. Find the long transaction (batch jobs, migrations, report exports on the same handle), keep transactions short, or give read-heavy work its own read-only handle.',
      },
    })
  if (options.diskPaths && options.diskPaths.length > 0)
    out.push({
      name: 'DiskSpaceLow',
      expr: `node_filesystem_avail_bytes{path!=""} / node_filesystem_size_bytes{path!=""} < ${num(t.diskFreeRatio)}`,
      for: '5m',
      severity: 'critical',
      annotations: {
        summary: 'Only {{ $value }} of the file system holding {{ $labels.path }} is free',
        description: `Less than ${num(t.diskFreeRatio * 100)}% of the file system holding the path is available: writes (the database, its WAL, logs, report artifacts) will start failing when it fills. Find what grows (du -x), apply the packages' retention, move artifacts or grow the volume.`,
      },
    })
  return out
}

/**
 * The rules of the default pack for these options: process restarts and `up`, event-loop lag,
 * heap usage, HTTP error ratio and latency-SLO burn, and — when pools, SQLite handles or disk
 * paths are configured — pool saturation, SQLite contention and disk space. Every rule has a
 * `for`, a `severity` label and `summary`/`description` annotations.
 */
export function defaultRules(options?: DefaultRulePackOptions): DefaultRule[] {
  const parsed = parsePackOptions(options)
  return rulesFor(parsed)
}

/** {@link defaultRules} on parsed options. */
export function rulesFor(parsed: ParsedPackOptions): DefaultRule[] {
  const t = parsed.thresholds
  const disabled = new Set(parsed.disable ?? [])
  return [...processRules(t), ...httpRules(t), ...resourceRules(t, parsed)]
    .filter((r) => !disabled.has(r.name))
    .map(({ severity, ...r }) => ({
      ...r,
      for: parsed.for?.[r.name] ?? r.for,
      labels: { ...(parsed.labels ?? {}), severity },
    }))
}
