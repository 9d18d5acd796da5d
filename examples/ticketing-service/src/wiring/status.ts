/** A capability of the opskit suite that the example wires. */
export type Feature =
  | 'monitor.metrics'
  | 'monitor.health'
  | 'monitor.alerts'
  | 'audit'
  | 'notify'
  | 'reports'
  | 'ml.anomaly'
  | 'ml.fraud'

/** A capability and whether this build of the example wires it. */
export interface FeatureStatus {
  /** The public entry point the capability comes from. */
  package: string
  wired: boolean
  /** Why it is not wired, when it is not. */
  pending?: string
}

/**
 * What the example wires. A capability is wired once its package's public API for the example's
 * need is committed; until then the demo reports its steps as "not available yet" instead of
 * faking them.
 */
export const FEATURES: Record<Feature, FeatureStatus> = {
  'monitor.metrics': { package: '@opskit/monitor', wired: true },
  'monitor.health': { package: '@opskit/monitor', wired: true },
  'monitor.alerts': { package: '@opskit/monitor', wired: true },
  audit: { package: '@opskit/audit', wired: true },
  notify: { package: '@opskit/notify', wired: true },
  reports: { package: '@opskit/reports', wired: true },
  'ml.anomaly': { package: '@opskit/ml', wired: true },
  'ml.fraud': { package: '@opskit/ml', wired: true },
}

/** Why a set of capabilities cannot be used in this build, or `undefined` when all are wired. */
export function unavailableReason(...features: Feature[]): string | undefined {
  const pending = features.filter((f) => !FEATURES[f].wired).map((f) => FEATURES[f].pending ?? f)
  return pending.length === 0 ? undefined : pending.join('; ')
}
