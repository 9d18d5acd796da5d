import type { Labels } from '../labels/labels.js'

/** State of an alert instance. `nodata` and `error` come from the rule's `onNoData`/`onError`. */
export type AlertState = 'inactive' | 'pending' | 'firing' | 'nodata' | 'error'

/** One alert instance of a rule (one per output label set), as Prometheus keeps it. */
export interface AlertInstance {
  fingerprint: string
  rule: string
  labels: Labels
  annotations: Record<string, string>
  state: AlertState
  value: number
  /** When the condition became true (ms since epoch). */
  activeAt: number
  firedAt?: number
  resolvedAt?: number
  /** Start of the `keepFiringFor` window: the first evaluation the condition was false while firing. */
  keepFiringSince?: number
  lastSentAt?: number
  validUntil?: number
  /** Why the instance is in a non-obvious state: `NoData`, `Error`, `MissingSeries`, `KeepFiring`. */
  stateReason?: string
}

/** An alert as handed to the notification pipeline (Alertmanager's client contract). */
export interface PostableAlert {
  fingerprint: string
  labels: Labels
  annotations: Record<string, string>
  startsAt: number
  /** For firing alerts, `validUntil`; for resolved ones, `resolvedAt`. */
  endsAt: number
  generatorURL?: string
}
