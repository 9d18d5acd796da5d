import type { Labels } from '../labels/labels.js'

/** Status of an incident. */
export type IncidentStatus = 'triggered' | 'acknowledged' | 'resolved'

/** One entry of an incident's timeline. */
export interface IncidentEvent {
  at: number
  type:
    | 'triggered'
    | 'notified'
    | 'notify_failed'
    | 'acknowledged'
    | 'rearmed'
    | 'escalated'
    | 'resolved'
    | 'note'
  by?: string
  channel?: string
  reason?: string
  level?: number
  text?: string
}

/** An incident: the lifecycle of one aggregation group for one receiver. */
export interface Incident {
  id: string
  /** The tenant (the alerts' `tenantLabel` value) when the monitor runs with tenants and it is set. */
  tenantId?: string
  groupKey: string
  receiver: string
  groupLabels: Labels
  title: string
  status: IncidentStatus
  triggeredAt: number
  acknowledgedAt?: number
  acknowledgedBy?: string
  resolvedAt?: number
  resolvedBy?: string
  /** `auto` when the alerts resolved, `manual` when someone resolved it. */
  resolution?: 'auto' | 'manual'
  assignee?: string
  escalationLevel: number
  /** Fingerprints of the alerts seen firing in this incident. */
  alerts: string[]
  timeline: IncidentEvent[]
  /** Silence installed by a manual resolve, expired when the condition clears. */
  manualSilenceId?: string
}

/** Mean time to acknowledge and to resolve, in ms, over incidents. */
export interface IncidentStats {
  count: number
  acknowledged: number
  resolved: number
  mttaMs?: number
  mttrMs?: number
}

/** MTTA = ack − trigger, MTTR = resolve − trigger, averaged over the incidents that have them. */
export function incidentStats(incidents: readonly Incident[]): IncidentStats {
  const acked = incidents.filter((i) => i.acknowledgedAt !== undefined)
  const resolved = incidents.filter((i) => i.resolvedAt !== undefined)
  const mean = (values: number[]) =>
    values.length ? values.reduce((a, b) => a + b, 0) / values.length : undefined
  const mttaMs = mean(acked.map((i) => (i.acknowledgedAt as number) - i.triggeredAt))
  const mttrMs = mean(resolved.map((i) => (i.resolvedAt as number) - i.triggeredAt))
  return {
    count: incidents.length,
    acknowledged: acked.length,
    resolved: resolved.length,
    ...(mttaMs !== undefined ? { mttaMs } : {}),
    ...(mttrMs !== undefined ? { mttrMs } : {}),
  }
}
