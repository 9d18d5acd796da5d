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
 * Wires @opskit/ml: a streaming z-score detector over the API's mean latency, and the fraud
 * scorer's rules over each user's purchase session (request times, tickets, user agent).
 * High-risk sessions are flagged in the audit trail as `fraud.flagged` security events.
 */
export async function wireMl(options: {
  hooks: DomainHooks
  latency: LatencySampler
  monitor: Monitor
  audit: AuditWiring
  logger: Logger
}): Promise<MlWiring> {
  const detector = await createAnomalyDetector({ kind: 'zscore', threshold: 0.9999 })
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
