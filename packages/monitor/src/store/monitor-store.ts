/**
 * Kinds of documents the monitor persists; `command` holds incident actions taken on an
 * instance that is not the leader, for the leader to apply. (Incidents have their own table
 * since 0002: {@link IncidentStore}; the `incident` kind is no longer written.)
 */
export type StateKind = 'alert' | 'silence' | 'incident' | 'nflog' | 'command'

import type { Incident } from '../incidents/incident.js'
import type { MonitorHistoryStore } from './history-store.js'
import type { IncidentPurge, IncidentQuery, RuleSpec, StoredRule } from './monitor-store-types.js'

export type {
  AlertRuleSpec,
  IncidentPurge,
  IncidentQuery,
  RecordingRuleSpec,
  RuleSpec,
  StoredRule,
} from './monitor-store-types.js'

/** One stored document. */
export interface StateDocument<T = unknown> {
  id: string
  body: T
}

/**
 * Rules created at run time (`monitor.rules`), with a version for optimistic concurrency.
 * Deleting keeps a tombstone, so {@link RuleStore.rulesRevision} grows with every change.
 */
export interface RuleStore {
  /** Live rules, in name order. */
  listRules(): Promise<StoredRule[]>
  getRule(name: string): Promise<StoredRule | undefined>
  /** Stores a new rule at version 1 (or the tombstone's next); `MONITOR_CONFLICT` if the name is taken. */
  createRule(name: string, rule: RuleSpec): Promise<StoredRule>
  /**
   * Replaces a rule if it is still at `version`: `MONITOR_CONFLICT` when it has moved on,
   * `MONITOR_NOT_FOUND` when there is no such rule.
   */
  updateRule(name: string, rule: RuleSpec, version: number): Promise<StoredRule>
  /** Deletes a rule (if at `version`, when given); errors as {@link RuleStore.updateRule}. */
  deleteRule(name: string, version?: number): Promise<void>
  /** A number that grows with every create, update and delete: cheap to poll. */
  rulesRevision(): Promise<number>
}

/**
 * Incidents with their tenant: every read and write but the leader's restore and an
 * operator's retention run is scoped to one tenant, so an id of another tenant matches nothing.
 */
export interface IncidentStore {
  /** Inserts or replaces an incident (its tenant never changes). */
  saveIncident(tenantId: string, incident: Incident): Promise<void>
  getIncident(tenantId: string, id: string): Promise<Incident | undefined>
  listIncidents(query: IncidentQuery): Promise<Incident[]>
  /**
   * Every tenant's triggered and acknowledged incidents, and those resolved at or after
   * `resolvedSince` (epoch ms; none when undefined), in id order: what a new leader restores.
   */
  openIncidents(resolvedSince?: number): Promise<Incident[]>
  /** Deletes one batch of resolved incidents; resolves to how many. */
  purgeIncidents(purge: IncidentPurge): Promise<number>
  /**
   * Deletes one batch of notification-log entries last written before `cutoff`, except those of
   * a group whose incident is still open; resolves to how many.
   */
  purgeNotificationLog(cutoff: number, limit: number): Promise<number>
}

/**
 * Where the monitor keeps alert instances, silences, incidents, rules created at run time and
 * the notification log so they survive a restart and are shared by instances. Implementations: `createKyselyMonitorStore` (SQLite and PostgreSQL)
 * and, for tests, `createMemoryMonitorStore` from `@opskit/monitor/testing`; each passes
 * `runMonitorStoreConformance`.
 */
export interface MonitorStore extends RuleStore, IncidentStore, MonitorHistoryStore {
  /** Inserts or replaces a document. */
  put(kind: StateKind, id: string, body: unknown): Promise<void>
  /** Deletes a document; unknown ids are ignored. */
  delete(kind: StateKind, id: string): Promise<void>
  /** Every document of a kind, in id order. */
  list<T = unknown>(kind: StateKind): Promise<Array<StateDocument<T>>>
  /** Atomically replaces every document of a kind with `documents`. */
  replaceAll(kind: StateKind, documents: ReadonlyArray<StateDocument>): Promise<void>
  /** Releases the store's resources; idempotent. Never closes a database the host passed in. */
  close(): Promise<void>
}
