import type { IncomingMessage, ServerResponse } from 'node:http'
import type { Clock } from '@opskit/core'
import { parseInput } from '@opskit/core'
import { z } from 'zod'
import { MonitorError } from '../errors/monitor-error.js'
import { type CheckRunner, createCheckRunner } from './check-runner.js'
import type { HealthCheck, HealthKind, HealthStatus } from './health-check.js'

/** Told of every measurement, for the monitor's self-metrics. */
export interface HealthObserver {
  /** A check was measured (on a probe or in the background). */
  measured(check: string, kind: HealthKind, status: HealthStatus): void
  /** A check was unregistered or replaced: its series go away. */
  removed(check: string, kind: HealthKind): void
}

/** Options of {@link Health.register}. */
export interface HealthCheckOptions {
  kind: HealthKind
  /** A failing critical check fails the probe (503); a failing optional one only warns. @default true */
  critical?: boolean
  /** The check fails when it takes longer. @default 800 */
  timeoutMs?: number
  /**
   * Probes within this many ms of a measurement report it again instead of running the check
   * (the entry's `time` says when it was measured). @default 0
   */
  cacheMs?: number
  /**
   * Runs the check in the background every this many ms (the first run at registration), and
   * probes report its latest result without waiting. Not combined with `cacheMs`. @default 0 (off)
   */
  intervalMs?: number
}

/** One entry of a health+json response's `checks`. */
export interface HealthCheckEntry {
  componentId: string
  componentType: 'datastore' | 'component' | 'system'
  status: HealthStatus
  observedValue?: number | string | boolean
  observedUnit?: string
  output?: string
  time: string
}

/** A response in `application/health+json`. */
export interface HealthReport {
  status: HealthStatus
  serviceId: string
  description: string
  output?: string
  checks: Record<string, HealthCheckEntry[]>
}

/** Health checks: `monitor.health`. */
export interface Health {
  /** Registers a check; liveness checks may not be dependency checks. Re-registering a name replaces it. */
  register(name: string, check: HealthCheck, options: HealthCheckOptions): void
  /** Removes a check. */
  unregister(name: string): void
  /**
   * Runs every check of a probe concurrently, each with its own timeout; a check already being
   * measured (by another probe or in the background) is awaited, not started again.
   */
  run(kind: HealthKind): Promise<HealthReport>
  /** Serves `/healthz` (liveness), `/readyz` (readiness), `/startupz` (startup); other paths 404. */
  handler(): (req: IncomingMessage, res: ServerResponse) => Promise<void>
  /** Makes readiness fail from now on (called by `monitor.close()` so traffic drains). */
  markShuttingDown(): void
  /** Stops background checks; probes then run them on demand (called by `monitor.close()`). */
  close(): void
}

interface Registered {
  name: string
  check: HealthCheck
  kind: HealthKind
  critical: boolean
  timeoutMs: number
  runner: CheckRunner
}

const optionsSchema = z
  .object({
    kind: z.enum(['liveness', 'readiness', 'startup']),
    critical: z.boolean().optional(),
    timeoutMs: z.number().int().positive().max(60_000).optional(),
    cacheMs: z.number().int().nonnegative().max(86_400_000).optional(),
    intervalMs: z.number().int().min(100).max(86_400_000).optional(),
  })
  .strict()
  .refine((o) => !(o.cacheMs && o.intervalMs), {
    message:
      'cacheMs and intervalMs cannot be combined (a background check always answers from its latest result)',
  })

const PATHS: Record<string, HealthKind> = {
  '/healthz': 'liveness',
  '/readyz': 'readiness',
  '/startupz': 'startup',
}

/** Runs a check once, failing it after its timeout (its signal is then aborted). */
async function measureCheck(entry: Omit<Registered, 'runner'>, clock: Clock): Promise<HealthCheckEntry> {
  const controller = new AbortController()
  const started = clock.now()
  let timer: ReturnType<Clock['setTimeout']> | undefined
  const timeout = new Promise<never>((_, reject) => {
    timer = clock.setTimeout(() => {
      controller.abort()
      reject(Object.assign(new Error('timeout'), { timedOut: true }))
    }, entry.timeoutMs)
  })
  const base = {
    componentId: entry.name,
    componentType: entry.check.dependency?.componentType ?? 'system',
    time: new Date(started).toISOString(),
  } as const
  try {
    const result = (await Promise.race([entry.check(controller.signal), timeout])) ?? {}
    return {
      ...base,
      status: result.status ?? 'pass',
      ...(result.observedValue !== undefined ? { observedValue: result.observedValue } : {}),
      ...(result.observedUnit !== undefined ? { observedUnit: result.observedUnit } : {}),
      ...(result.output !== undefined ? { output: result.output } : {}),
    }
  } catch (error) {
    const e = error as { timedOut?: boolean; message?: string }
    return {
      ...base,
      status: 'fail',
      output: e?.timedOut
        ? `timeout after ${entry.timeoutMs}ms`
        : entry.check.dependency
          ? String(e?.message)
          : 'check failed',
    }
  } finally {
    if (timer !== undefined) clock.clearTimeout(timer)
  }
}

/** Validates a registration; throws `MONITOR_INVALID_OPTIONS`. */
function parseRegistration(name: string, check: HealthCheck, options: HealthCheckOptions) {
  if (typeof name !== 'string' || !/^[A-Za-z0-9_.-]{1,100}$/.test(name))
    throw new MonitorError(
      'MONITOR_INVALID_OPTIONS',
      `health check name "${name}" must match [A-Za-z0-9_.-]{1,100}`,
    )
  if (typeof check !== 'function')
    throw new MonitorError('MONITOR_INVALID_OPTIONS', `health check "${name}" must be a function`)
  const o = parseInput(
    optionsSchema,
    options,
    (message) => new MonitorError('MONITOR_INVALID_OPTIONS', `health check "${name}": ${message}`),
  )
  if (o.kind === 'liveness' && check.dependency)
    throw new MonitorError(
      'MONITOR_INVALID_OPTIONS',
      `health check "${name}": liveness must not check dependencies (a dependency outage would restart every pod); register it as readiness`,
    )
  return o
}

/** Builds the {@link Health} registry; `observer` sees each measurement. */
export function createHealth(serviceName: string, clock: Clock, observer?: HealthObserver): Health {
  const registered = new Map<string, Registered>()
  let shuttingDown = false
  let closed = false

  const measure = async (entry: Omit<Registered, 'runner'>): Promise<HealthCheckEntry> => {
    const result = await measureCheck(entry, clock)
    observer?.measured(entry.name, entry.kind, result.status)
    return result
  }

  /** Stops a check's background runs and drops its series. */
  const remove = (name: string) => {
    const existing = registered.get(name)
    if (!existing) return
    existing.runner.stop()
    registered.delete(name)
    observer?.removed(name, existing.kind)
  }

  const run = async (kind: HealthKind): Promise<HealthReport> => {
    const entries = [...registered.values()].filter((e) => e.kind === kind)
    const results = await Promise.all(entries.map((entry) => entry.runner.current()))
    let status: HealthStatus = 'pass'
    const checksOut: Record<string, HealthCheckEntry[]> = {}
    results.forEach((result, i) => {
      const entry = entries[i] as Registered
      const measurement = entry.check.dependency ? 'responseTime' : 'status'
      checksOut[`${entry.name}:${measurement}`] = [result]
      if (result.status === 'fail' && entry.critical) status = 'fail'
      else if (result.status !== 'pass' && status === 'pass') status = 'warn'
    })
    const report: HealthReport = {
      status,
      serviceId: serviceName,
      description: `${serviceName} ${kind}`,
      checks: checksOut,
    }
    if (kind === 'readiness' && shuttingDown) {
      report.status = 'fail'
      report.output = 'shutting down'
    }
    return report
  }

  return {
    register(name, check, options) {
      const o = parseRegistration(name, check, options)
      const entry = { name, check, kind: o.kind, critical: o.critical ?? true, timeoutMs: o.timeoutMs ?? 800 }
      const schedule = { cacheMs: o.cacheMs ?? 0, intervalMs: closed ? 0 : (o.intervalMs ?? 0) }
      remove(name)
      registered.set(name, { ...entry, runner: createCheckRunner(() => measure(entry), schedule, clock) })
    },
    unregister: remove,
    run,
    handler() {
      return async (req, res) => {
        const path = (req.url ?? '/').split('?')[0] as string
        const kind = PATHS[path]
        if (!kind) {
          res.writeHead(404, { 'content-type': 'application/health+json' })
          res.end(JSON.stringify({ status: 'fail', output: 'unknown probe' }))
          return
        }
        const report = await run(kind)
        res.writeHead(report.status === 'fail' ? 503 : 200, {
          'content-type': 'application/health+json',
          'cache-control': 'no-store',
        })
        res.end(JSON.stringify(report))
      }
    },
    markShuttingDown() {
      shuttingDown = true
    },
    close() {
      closed = true
      for (const entry of registered.values()) entry.runner.stop()
    },
  }
}
