import type { Clock, TimerHandle } from '@opskit/core'
import type { HealthCheckEntry } from './health-registry.js'

/** When a check is measured: on each probe, from a cache, or on a background timer. */
export interface CheckSchedule {
  /** A result measured less than this long ago answers probes without running the check (0: never). */
  cacheMs: number
  /** Run the check every this many ms and answer probes from its latest result (0: no background runs). */
  intervalMs: number
}

/** One registered check's measurements, as probes read them. */
export interface CheckRunner {
  /** The result a probe reports now: a fresh measurement, or a recent one per the schedule. */
  current(): Promise<HealthCheckEntry>
  /** Stops the background runs; probes then measure on demand, as with `intervalMs: 0`. */
  stop(): void
}

/**
 * Runs one check per its {@link CheckSchedule}. Probes that arrive while a measurement is in flight
 * share it instead of starting another (so a slow dependency is not queried once per probe), and a
 * reused result keeps the `time` it was measured at.
 */
export function createCheckRunner(
  /** Measures the check once; never rejects (a failure is a `fail` entry). */
  measure: () => Promise<HealthCheckEntry>,
  schedule: CheckSchedule,
  clock: Clock,
): CheckRunner {
  let inFlight: Promise<HealthCheckEntry> | undefined
  let latest: { result: HealthCheckEntry; startedAt: number } | undefined
  let timer: TimerHandle | undefined
  let stopped = false

  const measureShared = (): Promise<HealthCheckEntry> => {
    if (inFlight) return inFlight
    const startedAt = clock.now()
    inFlight = measure()
      .then((result) => {
        latest = { result, startedAt }
        return result
      })
      .finally(() => {
        inFlight = undefined
      })
    return inFlight
  }

  const runInBackground = async () => {
    try {
      await measureShared()
    } finally {
      if (!stopped) timer = clock.setTimeout(() => void runInBackground(), schedule.intervalMs)
    }
  }
  if (schedule.intervalMs > 0) void runInBackground()

  return {
    current() {
      if (latest && schedule.intervalMs > 0 && !stopped) return Promise.resolve(latest.result)
      if (latest && clock.now() - latest.startedAt < schedule.cacheMs) return Promise.resolve(latest.result)
      return measureShared()
    },
    stop() {
      stopped = true
      if (timer !== undefined) clock.clearTimeout(timer)
    },
  }
}
