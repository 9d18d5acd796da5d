import type { Clock, Logger } from '@opskit/core'
import type { AlertChannel } from '../channels/alert-channel.js'
import type { EscalationLevel } from '../incidents/escalation.js'
import type { Incident } from '../incidents/incident.js'
import {
  createIncidentManager,
  type IncidentManager,
  type IncidentOptions,
} from '../incidents/incident-manager.js'
import type { PostableAlert } from '../rules/alert-types.js'
import {
  type AggregationGroup,
  type GroupAlert,
  type GroupSnapshot,
  snapshotGroup,
} from './aggregation-group.js'
import type { DispatcherMetrics } from './dispatch-context.js'
import { type FlushContext, flushGroup } from './flush-group.js'
import type { Inhibitor } from './inhibition.js'
import type { NotificationLogEntry } from './notification-log.js'
import { groupLabelsOf, matchRoutes, type RouteNode } from './routing.js'
import type { Silences } from './silences.js'
import type { TimeIntervalTest } from './time-intervals.js'

/** Options of {@link createDispatcher}. */
export interface DispatcherOptions {
  clock: Clock
  logger: Logger
  silences: Silences
  inhibitor: Inhibitor
  routes: () => RouteNode | undefined
  receivers: (name: string) => readonly AlertChannel[] | undefined
  /** The named time intervals routes mute or activate on. @default none */
  timeIntervals?: ((name: string) => TimeIntervalTest | undefined) | undefined
  /** The escalation policy of incidents. */
  escalation: () => readonly EscalationLevel[]
  externalUrl: string
  metrics: DispatcherMetrics
  /** In-stage retries of a failed send before waiting for the next group interval. @default 2 */
  notifyRetries?: number | undefined
  /** Called whenever an incident changes (for persistence). */
  onIncident?: ((incident: Incident) => void) | undefined
  /** Tenants, the in-memory cap and the store lookup of incidents. */
  incidentOptions?: IncidentOptions | undefined
  /** Called whenever the notification log changes (for persistence); `undefined` entry = deleted. */
  onLog?: ((key: string, entry: NotificationLogEntry | undefined) => void) | undefined
}

/** Alertmanager's dispatcher: routing, aggregation groups, timers and dedup; its groups' incidents. */
export interface Dispatcher {
  /** Routes alerts into their aggregation groups (a new group waits `groupWait` before its first flush). */
  put(alerts: readonly PostableAlert[]): void
  groups(): GroupSnapshot[]
  /** The incidents of the groups, with acknowledgement, manual resolution and escalation. */
  readonly incidents: IncidentManager
  /** Restores incidents and the notification log (e.g. from a store). */
  restore(state: { incidents?: Incident[]; log?: Array<[string, NotificationLogEntry]> }): void
  close(): void
}

/** The key of the group of `route` with these group labels. */
const groupKeyOf = (route: RouteNode, labels: Record<string, string>) =>
  `${route.id}:${JSON.stringify(Object.entries(labels).sort())}`

/** Builds a {@link Dispatcher}. */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { clock, logger } = options
  const alerts = new Map<string, GroupAlert>()
  const groups = new Map<string, AggregationGroup>()
  const log = new Map<string, NotificationLogEntry>()
  const dispatch = {
    clock,
    logger,
    externalUrl: options.externalUrl,
    metrics: options.metrics,
    notifyRetries: options.notifyRetries ?? 2,
    receivers: options.receivers,
  }
  const incidents = createIncidentManager({
    ...dispatch,
    silences: options.silences,
    escalation: options.escalation,
    groups,
    onIncident: options.onIncident,
    ...options.incidentOptions,
  })
  const flush: FlushContext = {
    ...dispatch,
    silences: options.silences,
    inhibitor: options.inhibitor,
    timeIntervals: options.timeIntervals,
    incidents,
    alerts,
    groups,
    log: {
      get: (key) => log.get(key),
      set(key, entry) {
        if (entry) log.set(key, entry)
        else log.delete(key)
        options.onLog?.(key, entry)
      },
      keys: () => log.keys(),
    },
  }
  let version = 0
  let closed = false

  const tick = (group: AggregationGroup) => {
    if (closed || groups.get(group.key) !== group) return
    group.timer = clock.setTimeout(() => tick(group), group.route.groupIntervalMs)
    if (group.flushing) return
    group.flushing = true
    flushGroup(flush, group)
      .catch((error) => logger.error({ err: error, group: group.key }, 'alert group flush failed'))
      .finally(() => {
        group.flushing = false
      })
  }

  const gcAlerts = (now: number) => {
    const inGroups = new Set<string>()
    for (const g of groups.values()) for (const fp of g.alerts.keys()) inGroups.add(fp)
    for (const [fp, g] of alerts) if (g.alert.endsAt <= now && !inGroups.has(fp)) alerts.delete(fp)
  }

  const putOne = (root: RouteNode, alert: PostableAlert, now: number) => {
    const entry: GroupAlert = { alert, version: ++version }
    alerts.set(alert.fingerprint, entry)
    for (const route of matchRoutes(root, alert.labels)) {
      const labels = groupLabelsOf(route, alert.labels)
      const key = groupKeyOf(route, labels)
      let group = groups.get(key)
      if (!group) {
        if (alert.endsAt <= now) continue
        const created: AggregationGroup = { key, route, labels, alerts: new Map(), flushing: false }
        groups.set(key, created)
        const wait = alert.startsAt + route.groupWaitMs <= now ? 0 : route.groupWaitMs
        created.timer = clock.setTimeout(() => tick(created), wait)
        group = created
      }
      group.alerts.set(alert.fingerprint, entry)
    }
  }

  return {
    put(list) {
      if (closed) return
      const root = options.routes()
      if (!root) return
      const now = clock.now()
      for (const alert of list) putOne(root, alert, now)
      gcAlerts(now)
    },
    groups() {
      const now = clock.now()
      return [...groups.values()].map((g) => snapshotGroup(g, now))
    },
    incidents,
    restore(state) {
      incidents.restore(state.incidents ?? [])
      for (const [key, entry] of state.log ?? []) log.set(key, entry)
    },
    close() {
      closed = true
      for (const g of groups.values()) if (g.timer !== undefined) clock.clearTimeout(g.timer)
      incidents.close()
    },
  }
}
