import { type Monitor, registrySampleSource } from '@opskit/monitor'

/** One point of the latency chart: mean `/api` latency and request count over one interval. */
export interface LatencyPoint {
  at: number
  meanMs: number
  requests: number
}

/**
 * Samples the RED histogram every `intervalMs` and keeps the last `keep` points of mean `/api`
 * latency (the delta of `_sum` over the delta of `_count`), for the operator page's chart.
 */
export function createLatencySampler(
  monitor: Monitor,
  options: { intervalMs: number; keep: number; onPoint: (point: LatencyPoint) => void },
) {
  const source = registrySampleSource(monitor.registry)
  const points: LatencyPoint[] = []
  let previous: { sum: number; count: number } | undefined
  const sample = async () => {
    let sum = 0
    let count = 0
    for (const s of await source.collect()) {
      if (!s.labels.route?.startsWith('/api/')) continue
      if (s.name === 'http_server_request_duration_seconds_sum') sum += s.value
      else if (s.name === 'http_server_request_duration_seconds_count') count += s.value
    }
    if (previous) {
      const requests = count - previous.count
      const point = {
        at: Date.now(),
        meanMs: requests > 0 ? Math.round(((sum - previous.sum) / requests) * 1000) : 0,
        requests,
      }
      points.push(point)
      if (points.length > options.keep) points.shift()
      options.onPoint(point)
    }
    previous = { sum, count }
  }
  const timer = setInterval(() => void sample(), options.intervalMs)
  timer.unref()
  void sample()
  return {
    points: () => [...points],
    close: () => clearInterval(timer),
  }
}
