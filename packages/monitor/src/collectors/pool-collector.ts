import type { MetricsRegistry } from '../metrics/register.js'
import { ownGauge } from './own-gauge.js'

/**
 * What the pool collector reads from a connection pool: the counters `pg.Pool` keeps (no import
 * of `pg` is needed; any pool with these fields works).
 */
export interface PoolLike {
  /** Open connections, idle or checked out. */
  readonly totalCount: number
  /** Open connections not checked out. */
  readonly idleCount: number
  /** Callers waiting for a connection because every one is checked out and the pool is at its maximum. */
  readonly waitingCount: number
  /** The pool's options; `max` is its size limit (`pg.Pool` keeps them here). */
  readonly options?: { readonly max?: number | undefined } | undefined
}

/** The names {@link registerPoolCollector} registers, each labelled `pool`. */
export const POOL_METRICS = {
  open: 'opskit_db_pool_open_connections',
  idle: 'opskit_db_pool_idle_connections',
  max: 'opskit_db_pool_max_connections',
  waiting: 'opskit_db_pool_waiting_requests',
} as const

/**
 * Registers the state of connection pools (`pg.Pool` and alike), read from their counters at each
 * collection: open, idle and maximum connections and waiting requests, labelled `pool` with the
 * name the host gave. Returns the names registered.
 */
export function registerPoolCollector(
  registry: MetricsRegistry,
  pools: Readonly<Record<string, PoolLike>>,
): string[] {
  const entries = Object.entries(pools)
  const read: Record<keyof typeof POOL_METRICS, [string, (p: PoolLike) => number | undefined]> = {
    open: ['Open connections of the pool (idle or checked out).', (p) => p.totalCount],
    idle: ['Idle connections of the pool.', (p) => p.idleCount],
    max: ['Size limit of the pool.', (p) => p.options?.max],
    waiting: ['Requests waiting for a connection of the pool.', (p) => p.waitingCount],
  }
  for (const [key, [help, value]] of Object.entries(read)) {
    ownGauge(registry, POOL_METRICS[key as keyof typeof POOL_METRICS], help, ['pool'], function collect() {
      this.reset()
      for (const [pool, p] of entries) {
        const v = value(p)
        if (typeof v === 'number' && Number.isFinite(v)) this.set({ pool }, v)
      }
    })
  }
  return Object.values(POOL_METRICS)
}
