/** A geolocated observation in a session (e.g. from the client IP). */
export interface SessionLocation {
  /** Epoch milliseconds. */
  readonly timestamp: number
  /** Latitude in degrees. */
  readonly lat: number
  /** Longitude in degrees. */
  readonly lon: number
}

/** What the host knows about one user session; every field but `userAgent` and `requests` is optional. */
export interface FraudSession {
  /** The session's User-Agent header. */
  readonly userAgent: string
  /** Epoch milliseconds of each request in the session, ascending. */
  readonly requests: readonly number[]
  /** Distinct payment methods tried in the session. */
  readonly paymentMethods?: number
  /** Tickets requested in the largest single order. */
  readonly ticketsRequested?: number
  /** Where the session was seen, oldest first. */
  readonly locations?: readonly SessionLocation[]
  /** Pointer (mouse/touch) events reported by the client; `undefined` when not collected. */
  readonly pointerEvents?: number
  /** Milliseconds between consecutive keystrokes in form fields. */
  readonly keystrokeIntervalsMs?: readonly number[]
}

/** One reason behind a fraud score. */
export interface FraudReason {
  /** Stable code, e.g. `RAPID_REQUESTS` or `MODEL`. */
  readonly code: string
  /** The reason's contribution, in [0, 1]. */
  readonly weight: number
  /** Human-readable detail, e.g. `84 requests in 60 s`. */
  readonly detail: string
}

/** Risk bucket of a score: low < 0.3 <= medium < 0.7 <= high. */
export type FraudRisk = 'low' | 'medium' | 'high'

/** What {@link FraudScorer.score} returns. */
export interface FraudScore {
  /** Probability-like fraud score in [0, 1]. */
  readonly score: number
  /** Bucket of `score`. */
  readonly risk: FraudRisk
  /** The rules that fired (and the model's contribution when one is trained), strongest first. */
  readonly reasons: readonly FraudReason[]
}

/** A labelled session for training. */
export interface LabelledSession {
  readonly session: FraudSession
  /** `true` for fraud or bot traffic. */
  readonly fraud: boolean
}
