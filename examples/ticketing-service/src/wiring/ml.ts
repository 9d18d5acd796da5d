import type { Logger } from '@opskit/core'
import {
  type AnomalyDetector,
  type AnomalyResult,
  createAnomalyDetector,
  createFraudScorer,
  type FraudScore,
  type FraudScorer,
} from '@opskit/ml'
import type { Monitor } from '@opskit/monitor'
import type { DomainHooks } from '../domain/hooks.js'
import type { LatencyPoint, LatencySampler } from '../metrics/latency-sampler.js'
import type { AuditWiring } from './audit.js'

/** A latency point the anomaly detector flagged. */
export interface LatencyAnomaly {
  point: LatencyPoint
  result: AnomalyResult
}

/** A purchase session the fraud scorer rated high risk. */
export interface FraudFlag {
  userId: string
  email: string
  at: number
  score: FraudScore
}

/** @opskit/ml in the ticketing service: latency anomalies and purchase-session fraud scores. */
export interface MlWiring {
  detector: AnomalyDetector
  scorer: FraudScorer
  readonly anomalies: LatencyAnomaly[]
  /** The first high-risk score of each user. */
  readonly flagged: FraudFlag[]
  close(): void
}

const SESSION_WINDOW_MS = 10 * 60 * 1000

/**
 * The latency detector's options, for a short series. `@opskit/ml`'s z-score defaults suit long
 * series (a 6,400-point window refitted every 100 points, scoring from the 30th point on, so a
 * Gaussian of 2 or 3 points does not flag noise), but this service samples latency only when
 * requests came in, and the scripted demo (`npm run demo`) injects its spike after as few as 5–15
 * such points: with the defaults the detector is still warming up when the spike comes. A 5-point
 * window with a 5-point `warmup` scores from the 6th point on
 * and, refitted at every point, follows the service's current latency; `threshold` 0.9999 flags
 * only a point more than 3.7 standard deviations away. A deployment that samples latency steadily
 * for days would rather keep the defaults (a longer memory, fewer false alarms on a quiet series)
 * and set only `threshold`.
 */
const LATENCY_DETECTOR = { kind: 'zscore', windowSize: 5, stepSize: 1, warmup: 5, threshold: 0.9999 } as const

/**
 * Wires @opskit/ml: a streaming z-score detector over the API's mean latency (options for a
 * short series, see {@link LATENCY_DETECTOR}), and the fraud scorer's rules over each user's
 * purchase session (request times, tickets, user agent).
 * High-risk sessions are flagged in the audit trail as `fraud.flagged` security events.
 */
export async function wireMl(options: {
  hooks: DomainHooks
  latency: LatencySampler
  monitor: Monitor
  audit: AuditWiring
  logger: Logger
}): Promise<MlWiring> {
  const detector = await createAnomalyDetector(LATENCY_DETECTOR)
  const scorer = await createFraudScorer()
  const anomalies: LatencyAnomaly[] = []
  const flagged: FraudFlag[] = []
  const anomalyCounter = options.monitor.metrics.counter({
    name: 'ticketing_latency_anomalies_total',
    help: 'Latency points the anomaly detector flagged.',
  })
  const fraudCounter = options.monitor.metrics.counter<'risk'>({
    name: 'ticketing_fraud_scores_total',
    help: 'Purchase attempts scored by the fraud scorer, by risk.',
    labelNames: ['risk'],
  })

  const unsubscribe = options.latency.subscribe((point) => {
    const result = detector.update({ timestamp: point.at, value: point.meanMs })
    if (!result.isAnomaly) return
    anomalies.push({ point, result })
    if (anomalies.length > 100) anomalies.shift()
    anomalyCounter.inc()
  })

  const sessions = new Map<string, { userAgent: string; requests: number[]; tickets: number }>()
  options.hooks.on('purchase.attempt', async (e) => {
    if (!e.actor.userId) return
    const now = Date.now()
    const session = sessions.get(e.actor.userId) ?? { userAgent: e.actor.userAgent, requests: [], tickets: 0 }
    session.requests = session.requests.filter((at) => at > now - SESSION_WINDOW_MS)
    session.requests.push(now)
    session.tickets += e.quantity
    sessions.set(e.actor.userId, session)
    const score = scorer.score({
      userAgent: session.userAgent,
      requests: session.requests,
      ticketsRequested: session.tickets,
    })
    fraudCounter.inc({ risk: score.risk })
    if (score.risk !== 'high' || flagged.some((f) => f.userId === e.actor.userId)) return
    flagged.push({ userId: e.actor.userId, email: e.actor.email ?? '', at: now, score })
    await options.audit.log.logSecurityEvent({
      action: 'fraud.flagged',
      actor: { id: 'opskit-ml', type: 'service' },
      target: { type: 'user', id: e.actor.userId, ...(e.actor.email ? { name: e.actor.email } : {}) },
      severity: 'warning',
      reason: score.reasons
        .map((r) => r.code)
        .join(', ')
        .slice(0, 1000),
      metadata: {
        score: score.score,
        reasons: score.reasons.map((r) => ({ code: r.code, detail: r.detail })),
      },
    })
  })

  return { detector, scorer, anomalies, flagged, close: unsubscribe }
}
