import type { Incident } from '../incidents/incident.js'

/** An alerting rule in Prometheus' rule-file form (one entry of a group's `rules`). */
export interface AlertRuleSpec {
  alert: string
  expr: string
  /** A Prometheus duration (`'5m'`). */
  for?: string
  keep_firing_for?: string
  labels?: Record<string, string>
  annotations?: Record<string, string>
}

/** A recording rule in Prometheus' rule-file form. */
export interface RecordingRuleSpec {
  record: string
  expr: string
  labels?: Record<string, string>
}

/** A rule as `monitor.rules` takes it: exactly one entry of a Prometheus rule group. */
export type RuleSpec = AlertRuleSpec | RecordingRuleSpec

/** A rule created at run time, as stored. */
export interface StoredRule {
  /** The rule's `alert` or `record` name: unique among stored rules. */
  name: string
  /** 1 when created, +1 on every update: what optimistic concurrency compares. */
  version: number
  rule: RuleSpec
  /** When it was last written (epoch ms, the store's clock). */
  updatedAt: number
}

/** What {@link MonitorStore.listIncidents} returns: one tenant's incidents, newest first. */
export interface IncidentQuery {
  /** The tenant (`''` without tenancy): every query is scoped to one. */
  tenantId: string
  status?: Incident['status'] | undefined
  /** Triggered at or after (epoch ms). */
  from?: number | undefined
  /** Triggered before (epoch ms). */
  to?: number | undefined
  /** At most this many (newest first). */
  limit: number
}

/** One batch of incident retention: resolved incidents only. */
export interface IncidentPurge {
  /** Only this tenant's incidents; every tenant's when undefined (an operator's run). */
  tenantId?: string | undefined
  /** Resolved before this instant (epoch ms). */
  cutoff?: number | undefined
  /** Keep each tenant's newest `keepLast` resolved incidents. */
  keepLast?: number | undefined
  /** Delete at most this many. */
  limit: number
}
