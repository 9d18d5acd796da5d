import { type Monitor, registrySampleSource } from '@opskit/monitor'

/** One point of business-API latency: the mean over one interval and how many requests it covers. */
export interface LatencyPoint {
  at: number
  meanMs: number
  requests: number
}

/** Sign-up and login hash passwords with scrypt on purpose: they are not part of the latency view. */
const measured = (route: string | undefined) =>
  route?.startsWith('/api/') === true && route !== '/api/users' && route !== '/api/sessions'

/** Samples the monitor's RED histogram and hands each latency point to its subscribers. */
export interface LatencySampler {
  /** The last points (at most `keep`). */
  points(): LatencyPoint[]
  subscribe(listener: (point: LatencyPoint) => void): () => void
  close(): void
}

/**
 * Samples the RED histogram every `intervalMs` and keeps the last `keep` points of mean API
 * latency (the delta of `_sum` over the delta of `_count`); intervals without requests are skipped.
 */
export function createLatencySampler(
  monitor: Monitor,
  options: { intervalMs: number; keep: number },
): LatencySampler {
  const source = registrySampleSource(monitor.registry)
  const points: LatencyPoint[] = []
  const listeners = new Set<(point: LatencyPoint) => void>()
  let previous: { sum: number; count: number } | undefined
  const sample = async () => {
    let sum = 0
    let count = 0
    for (const s of await source.collect()) {
      if (!measured(s.labels.route)) continue
      if (s.name === 'http_server_request_duration_seconds_sum') sum += s.value
      else if (s.name === 'http_server_request_duration_seconds_count') count += s.value
    }
    const last = previous
    previous = { sum, count }
    if (!last || count === last.count) return
    const requests = count - last.count
    const point = { at: Date.now(), meanMs: Math.round(((sum - last.sum) / requests) * 1000), requests }
    points.push(point)
    if (points.length > options.keep) points.shift()
    for (const listener of listeners) listener(point)
  }
  const timer = setInterval(() => void sample(), options.intervalMs)
  timer.unref()
  void sample()
  return {
    points: () => [...points],
    subscribe(listener) {
      listeners.add(listener)
      return () => listeners.delete(listener)
    },
    close: () => clearInterval(timer),
  }
}
