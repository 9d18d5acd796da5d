import { createFakeClock } from '@opskit/core/testing'
import { describe, expect, it } from 'vitest'
import { BURN_RATE_PRESETS, burnRateThreshold, createMonitor, type Monitor } from '../src/index.js'

const STEP = 10_000
const DAY = 86_400_000

interface Segment {
  ms: number
  step?: number
  rps: number
  errorRatio: number
}

async function setup() {
  const clock = createFakeClock(Date.UTC(2026, 0, 1))
  const monitor = await createMonitor({ serviceName: 'svc', clock, defaultMetrics: false })
  monitor.slo.define({
    name: 'api',
    objective: 0.999,
    good: 'requests_total{code!~"5.."}',
    total: 'requests_total',
    latency: 'latency_seconds_bucket',
  })
  const counts = { ok: 0, err: 0 }
  const run = async (m: Monitor, segment: Segment, onStep?: (elapsed: number) => boolean) => {
    const step = segment.step ?? STEP
    for (let elapsed = step; elapsed <= segment.ms; elapsed += step) {
      const n = (segment.rps * step) / 1000
      counts.err += n * segment.errorRatio
      counts.ok += n * (1 - segment.errorRatio)
      m.alerts.samples.set('requests_total', { code: '200' }, counts.ok)
      m.alerts.samples.set('requests_total', { code: '500' }, counts.err)
      await clock.advance(step)
      await m.alerts.evaluate()
      if (onStep?.(elapsed)) return elapsed
    }
    return undefined
  }
  return { clock, monitor, run }
}

const paging = (m: Monitor) =>
  m.alerts.state().alerts.some((a) => a.labels.alertname === 'api_slo_page' && a.state === 'firing')

describe('SLO multi-window burn rates (SLO 99.9%)', () => {
  it('the presets are 14.4×, 6× and 1× for a 30-day window', () => {
    expect(BURN_RATE_PRESETS.map((p) => Number(burnRateThreshold(p, 30 * DAY).toFixed(6)))).toEqual([
      14.4, 6, 1,
    ])
  })

  it('1h ratio 2% and 5m ratio 2% → burn rate 20 → page', async () => {
    const { monitor, run } = await setup()
    await run(monitor, { ms: 3_600_000, rps: 100, errorRatio: 0.02 })
    expect(paging(monitor)).toBe(true)
    const report = await monitor.slo.report('api')
    expect(report.burnRates['1h']).toBeCloseTo(20, 0)
    expect(report.burnRates['5m']).toBeCloseTo(20, 0)
    const alert = monitor.alerts.state().alerts.find((a) => a.labels.alertname === 'api_slo_page')
    expect(alert?.labels).toMatchObject({ severity: 'page', slo: 'api' })
    await monitor.close()
  })

  it('1h ratio 2% but 5m ratio 0.5% (burn rate 5) → no page: recovery', async () => {
    const { monitor, run } = await setup()
    await run(monitor, { ms: 1_800_000, rps: 100, errorRatio: 0.035 })
    await run(monitor, { ms: 1_800_000, rps: 100, errorRatio: 0.005 })
    const report = await monitor.slo.report('api')
    expect(report.burnRates['1h']).toBeCloseTo(20, 0)
    expect(report.burnRates['5m']).toBeCloseTo(5, 0)
    expect(paging(monitor)).toBe(false)
    await monitor.close()
  })

  it('100% errors after healthy traffic → the fast-burn page fires after ≈52 s', async () => {
    const { monitor, run } = await setup()
    // six healthy hours, so that the 6h/30m row sees a full long window
    await run(monitor, { ms: 6 * 3_600_000, step: 60_000, rps: 100, errorRatio: 0 })
    expect(paging(monitor)).toBe(false)
    const firedAfter = await run(monitor, { ms: 300_000, rps: 100, errorRatio: 1 }, () => paging(monitor))
    expect(firedAfter).toBeGreaterThanOrEqual(50_000)
    expect(firedAfter).toBeLessThanOrEqual(70_000)
    await monitor.close()
  })

  it('SLA report: uptime %, error budget and p95 over the retained history', async () => {
    const { monitor, run } = await setup()
    for (const le of ['0.1', '0.5', '1', '+Inf'])
      monitor.alerts.samples.set('latency_seconds_bucket', { le }, 0)
    await run(monitor, { ms: 600_000, rps: 10, errorRatio: 0.0005 })
    // 90 fast requests, 10 slow ones over the period
    const buckets: Record<string, number> = { '0.1': 90, '0.5': 90, '1': 100, '+Inf': 100 }
    for (const [le, v] of Object.entries(buckets))
      monitor.alerts.samples.set('latency_seconds_bucket', { le }, v)
    await run(monitor, { ms: 10_000, rps: 10, errorRatio: 0.0005 })
    const report = await monitor.slo.report('api')
    // every event the counters saw (61 steps of 100), exact: the persisted per-minute counts
    // are counter increases, not increase()'s extrapolation
    expect(report.totalEvents).toBeCloseTo(6100, 6)
    expect(report.uptimePercent).toBeCloseTo(99.95, 2)
    expect(report.errorBudgetRemaining).toBeCloseTo(0.5, 1)
    expect(report.p95Latency).toBeCloseTo(0.75, 2)
    await expect(monitor.slo.report('nope')).rejects.toThrowError(/no SLO/)
    expect(() => monitor.slo.define({ name: 'x', objective: 1.5, good: 'a', total: 'b' })).toThrowError(
      /invalid SLO/,
    )
    await monitor.close()
  })
})
