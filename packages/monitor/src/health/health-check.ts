/** Status of a check or of a whole health response (IETF draft-inadarei-api-health-check). */
export type HealthStatus = 'pass' | 'warn' | 'fail'

/** Which probe a check belongs to. */
export type HealthKind = 'liveness' | 'readiness' | 'startup'

/** What a check may return; returning nothing means `pass`, throwing means `fail`. */
export interface HealthCheckResult {
  status?: HealthStatus
  /** A measurement such as a latency or a queue depth. */
  observedValue?: number | string | boolean
  observedUnit?: string
  /** Short, safe text shown in the response (never a connection string or a stack). */
  output?: string
}

/**
 * A health check: resolves (pass), resolves with a {@link HealthCheckResult}, or throws (fail).
 * `signal` aborts when the check's timeout fires.
 */
export type HealthCheck = ((
  signal: AbortSignal,
) => Promise<HealthCheckResult | undefined> | Promise<void>) & {
  /** Set on built-in dependency checks: they may not be registered as liveness checks. */
  readonly dependency?: { componentType: 'datastore' | 'component' | 'system' }
}
