import type { AnomalyReason } from './anomaly-detector-types.js'

/** The scoring core of a pure detector: one accepted value in, its score out; state as JSON. */
export interface Engine {
  step(value: number): { score: number; reason: AnomalyReason }
  state(): unknown
}
