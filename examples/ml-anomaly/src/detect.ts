import { type AnomalyResult, createAnomalyDetector, type DataPoint } from '@opskit/ml'

/**
 * A latency series with daily-looking noise and an incident: one point a minute, values in ms,
 * from a seeded generator so that every run sees the same data.
 */
export function latencySeries(options: {
  points: number
  incidentAt: number
  incidentLength: number
  seed?: number
}) {
  let state = options.seed ?? 42
  const random = () => {
    state = (state * 1_103_515_245 + 12_345) % 2_147_483_648
    return state / 2_147_483_648
  }
  const start = Date.UTC(2026, 0, 1)
  return Array.from({ length: options.points }, (_, i): DataPoint => {
    const base = 120 + 15 * Math.sin((i / 60) * Math.PI) + (random() - 0.5) * 20
    const incident = i >= options.incidentAt && i < options.incidentAt + options.incidentLength
    return { timestamp: start + i * 60_000, value: Math.round(incident ? base + 600 : base) }
  })
}

/** Streams a series through a z-score detector and returns the points it flagged. */
export async function detect(
  series: readonly DataPoint[],
): Promise<Array<{ index: number; result: AnomalyResult }>> {
  const detector = await createAnomalyDetector({ kind: 'zscore', threshold: 0.9999 })
  const flagged: Array<{ index: number; result: AnomalyResult }> = []
  series.forEach((point, index) => {
    const result = detector.update(point)
    if (result.isAnomaly) flagged.push({ index, result })
  })
  return flagged
}
