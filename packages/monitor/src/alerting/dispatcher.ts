import { type Clock, isOpskitError, type Logger, retry, uuidv7 } from '@opskit/core'
import type {
  AlertChannel,
  AlertNotification,
  NotifiedAlert,
  NotifyReason,
} from '../channels/alert-channel.js'
import { MonitorError } from '../errors/monitor-error.js'
import type { Incident, IncidentEvent } from '../incidents/incident.js'
import type { PostableAlert } from '../rules/alert-types.js'
import type { Labels } from '../rules/labels.js'
import type { Inhibitor } from './inhibition.js'
import { groupLabelsOf, matchRoutes, type RouteNode } from './routing.js'
import type { Silences } from './silences.js'
import type { TimeIntervalTest } from './time-intervals.js'

/** One escalation level: notify `receivers` when an incident is unacknowledged and firing for `afterMs`. */
export interface EscalationLevel {
  afterMs: number
  receivers: string[]
}

/** An entry of the notification log for one (group, receiver, channel). */
export interface NotificationLogEntry {
  firing: string[]
  resolved: string[]
  at: number
}

/** Counters the dispatcher reports to (self-metrics). */
export interface DispatcherMetrics {
  notified(receiver: string, channel: string, outcome: 'sent' | 'failed'): void
  silenced(count: number): void
  inhibited(count: number): void
}

/** Options of {@link createDispatcher}. */
export interface DispatcherOptions {
  clock: Clock
  logger: Logger
  silences: Silences
  inhibitor: Inhibitor
  routes: () => RouteNode | undefined
  receivers: (name: string) => readonly AlertChannel[] | undefined
  /** The named time intervals routes mute or activate on. @default none */
  timeIntervals?: (name: string) => TimeIntervalTest | undefined
  escalation: () => readonly EscalationLevel[]
  externalUrl: string
  metrics: DispatcherMetrics
  /** In-stage retries of a failed send before waiting for the next group interval. @default 2 */
  notifyRetries?: number
  /** Called whenever an incident changes (for persistence). */
  onIncident?: (incident: Incident) => void
  /** Called whenever the notification log changes (for persistence); `undefined` entry = deleted. */
  onLog?: (key: string, entry: NotificationLogEntry | undefined) => void
}

interface GroupAlert {
  alert: PostableAlert
  version: number
}

interface Group {
  key: string
  route: RouteNode
  labels: Labels
  alerts: Map<string, GroupAlert>
  timer?: ReturnType<Clock['setTimeout']>
  flushing: boolean
  lastNotification?: AlertNotification
}

/** A snapshot of an aggregation group, for `monitor.alerts.state()`. */
export interface GroupSnapshot {
  key: string
  receiver: string
  labels: Labels
  alerts: Array<{ fingerprint: string; labels: Labels; status: 'firing' | 'resolved' }>
}

/** Alertmanager's dispatcher: routing, aggregation groups, timers, dedup, plus incidents. */
export interface Dispatcher {
  put(alerts: readonly PostableAlert[]): void
  groups(): GroupSnapshot[]
  incidents(): Incident[]
  incident(id: string): Incident | undefined
  acknowledge(id: string, by: string): Promise<Incident>
  resolve(id: string, by: string): Promise<Incident>
  note(id: string, change: { note?: string; assignee?: string; by?: string }): Incident
  restore(state: { incidents?: Incident[]; log?: Array<[string, NotificationLogEntry]> }): void
  close(): void
}

const EPOCH_ZERO = '0001-01-01T00:00:00Z'

function isSubset(a: ReadonlySet<string>, b: ReadonlySet<string>): boolean {
  for (const x of a) if (!b.has(x)) return false
  return true
}

/**
 * The notify decision of Alertmanager's dedup stage (reference §2.4), with acknowledgement:
 * an acknowledged incident gets no repeats.
 */
export function decideNotification(
  entry: NotificationLogEntry | undefined,
  firing: ReadonlySet<string>,
  resolved: ReadonlySet<string>,
  sendResolved: boolean,
  repeatIntervalMs: number,
  now: number,
  acknowledged = false,
): NotifyReason | undefined {
  if (!entry) return firing.size > 0 ? 'first notification' : undefined
  const lastFiring = new Set(entry.firing)
  if (!isSubset(firing, lastFiring)) return lastFiring.size === 0 ? 'first notification' : 'new alerts added'
  if (firing.size === 0) return lastFiring.size > 0 ? 'all alerts resolved' : undefined
  if (sendResolved && !isSubset(resolved, new Set(entry.resolved))) return 'some alerts resolved'
  if (!acknowledged && entry.at < now - repeatIntervalMs) return 'repeat interval elapsed'
  return undefined
}

function common(records: ReadonlyArray<Record<string, string>>): Record<string, string> {
  if (records.length === 0) return {}
  const out: Record<string, string> = { ...records[0] }
  for (const r of records.slice(1)) for (const k of Object.keys(out)) if (r[k] !== out[k]) delete out[k]
  return out
}

/** Builds a {@link Dispatcher}. */
export function createDispatcher(options: DispatcherOptions): Dispatcher {
  const { clock, logger } = options
  const alerts = new Map<string, GroupAlert>()
  const groups = new Map<string, Group>()
  const log = new Map<string, NotificationLogEntry>()
  const incidents = new Map<string, Incident>()
  const openIncidents = new Map<string, string>()
  const escalationTimers = new Map<string, Array<ReturnType<Clock['setTimeout']>>>()
  const manualSilences = new Map<string, string>()
  let version = 0
  let closed = false

  const setLog = (key: string, entry: NotificationLogEntry | undefined) => {
    if (entry) log.set(key, entry)
    else log.delete(key)
    options.onLog?.(key, entry)
  }

  const changed = (incident: Incident) => options.onIncident?.(structuredClone(incident))

  const addEvent = (incident: Incident, event: Omit<IncidentEvent, 'at'>) => {
    incident.timeline.push({ at: clock.now(), ...event })
    changed(incident)
  }

  const clearEscalation = (incidentId: string) => {
    for (const timer of escalationTimers.get(incidentId) ?? []) clock.clearTimeout(timer)
    escalationTimers.delete(incidentId)
  }

  const toNotified = (a: PostableAlert, now: number): NotifiedAlert => {
    const resolved = a.endsAt <= now
    return {
      status: resolved ? 'resolved' : 'firing',
      labels: a.labels,
      annotations: a.annotations,
      startsAt: new Date(a.startsAt).toISOString(),
      endsAt: resolved ? new Date(a.endsAt).toISOString() : EPOCH_ZERO,
      generatorURL: a.generatorURL ?? '',
      fingerprint: a.fingerprint,
    }
  }

  const buildNotification = (
    group: Group,
    receiver: string,
    list: readonly PostableAlert[],
    reason: NotifyReason,
    now: number,
    incidentId?: string,
  ): AlertNotification => {
    const notified = list.map((a) => toNotified(a, now))
    return {
      receiver,
      groupKey: group.key,
      status: notified.some((a) => a.status === 'firing') ? 'firing' : 'resolved',
      reason,
      groupLabels: group.labels,
      commonLabels: common(list.map((a) => a.labels)),
      commonAnnotations: common(list.map((a) => a.annotations)),
      externalURL: options.externalUrl,
      alerts: notified,
      ...(incidentId ? { incidentId } : {}),
    }
  }

  const sendWithRetry = async (channel: AlertChannel, notification: AlertNotification, budgetMs: number) => {
    const controller = new AbortController()
    const timer = clock.setTimeout(() => controller.abort(), budgetMs)
    try {
      await retry(() => channel.send(notification, controller.signal), {
        retries: options.notifyRetries ?? 2,
        baseMs: Math.min(1000, budgetMs / 8),
        maxMs: Math.max(1, budgetMs / 4),
        clock,
        signal: controller.signal,
        isRetryable: (error) => isOpskitError(error) && error.retryable,
        retryAfterMs: (error) => {
          const after = isOpskitError(error) ? error.details?.retryAfterMs : undefined
          return typeof after === 'number' ? after : undefined
        },
      })
    } finally {
      clock.clearTimeout(timer)
    }
  }

  const scheduleEscalation = (incident: Incident, from: number) => {
    clearEscalation(incident.id)
    const levels = options.escalation()
    const timers = levels.map((level, index) =>
      clock.setTimeout(
        () => {
          void escalate(incident.id, index)
        },
        Math.max(0, from + level.afterMs - clock.now()),
      ),
    )
    escalationTimers.set(incident.id, timers)
  }

  const escalate = async (incidentId: string, index: number) => {
    const incident = incidents.get(incidentId)
    const level = options.escalation()[index]
    if (!incident || !level || incident.status !== 'triggered' || incident.escalationLevel > index) return
    const group = groups.get(incident.groupKey)
    if (!group) {
      // after a restart the group reappears with the next evaluation: look again in a minute
      const retry = clock.setTimeout(() => void escalate(incidentId, index), 60_000)
      escalationTimers.set(incidentId, [...(escalationTimers.get(incidentId) ?? []), retry])
      return
    }
    const now = clock.now()
    const firing = [...group.alerts.values()].map((g) => g.alert).filter((a) => a.endsAt > now)
    if (firing.length === 0) return
    incident.escalationLevel = index + 1
    addEvent(incident, { type: 'escalated', level: index + 1 })
    for (const receiver of level.receivers) {
      for (const channel of options.receivers(receiver) ?? []) {
        const notification = {
          ...buildNotification(group, receiver, firing, 'escalation', now, incident.id),
          escalationLevel: index + 1,
        }
        try {
          await sendWithRetry(channel, notification, group.route.groupIntervalMs)
          options.metrics.notified(receiver, channel.type, 'sent')
          addEvent(incident, {
            type: 'notified',
            channel: `${receiver}/${channel.type}`,
            reason: 'escalation',
            level: index + 1,
          })
        } catch (error) {
          options.metrics.notified(receiver, channel.type, 'failed')
          logger.warn({ err: error, receiver, channel: channel.type }, 'escalation notification failed')
          addEvent(incident, {
            type: 'notify_failed',
            channel: `${receiver}/${channel.type}`,
            reason: 'escalation',
          })
        }
      }
    }
  }

  const openIncident = (group: Group, now: number, firing: readonly PostableAlert[]): Incident => {
    const key = `${group.key}|${group.route.receiver}`
    const existingId = openIncidents.get(key)
    const existing = existingId ? incidents.get(existingId) : undefined
    if (existing) {
      for (const a of firing)
        if (!existing.alerts.includes(a.fingerprint)) existing.alerts.push(a.fingerprint)
      return existing
    }
    const names = [...new Set(firing.map((a) => a.labels.alertname ?? 'alert'))]
    const incident: Incident = {
      id: uuidv7(),
      groupKey: group.key,
      receiver: group.route.receiver,
      groupLabels: group.labels,
      title: `${names.join(', ')}${
        Object.keys(group.labels).length
          ? ` (${Object.entries(group.labels)
              .map(([k, v]) => `${k}=${v}`)
              .join(', ')})`
          : ''
      }`,
      status: 'triggered',
      triggeredAt: now,
      escalationLevel: 0,
      alerts: firing.map((a) => a.fingerprint),
      timeline: [],
    }
    incidents.set(incident.id, incident)
    openIncidents.set(key, incident.id)
    addEvent(incident, { type: 'triggered' })
    scheduleEscalation(incident, now)
    return incident
  }

  const closeIncident = (incident: Incident, by: string | undefined, resolution: 'auto' | 'manual') => {
    if (incident.status === 'resolved') return
    incident.status = 'resolved'
    incident.resolvedAt = clock.now()
    incident.resolution = resolution
    if (by) incident.resolvedBy = by
    clearEscalation(incident.id)
    openIncidents.delete(`${incident.groupKey}|${incident.receiver}`)
    addEvent(incident, { type: 'resolved', ...(by ? { by } : {}), reason: resolution })
  }

  const flush = async (group: Group) => {
    const now = clock.now()
    const snapshot = [...group.alerts.entries()].map(([fp, g]) => ({
      fp,
      alert: g.alert,
      version: g.version,
    }))
    const firingEverywhere: Array<{ fingerprint: string; labels: Labels }> = []
    if (options.inhibitor.size > 0) {
      for (const g of alerts.values()) if (g.alert.endsAt > now) firingEverywhere.push(g.alert)
    }
    const inhibited = options.inhibitor.size > 0 ? options.inhibitor.index(firingEverywhere) : undefined
    const active: PostableAlert[] = []
    let silencedCount = 0
    let inhibitedCount = 0
    for (const { alert } of snapshot) {
      if (options.silences.mutedBy(alert.labels)) silencedCount++
      else if (inhibited?.(alert.labels, alert.fingerprint)) inhibitedCount++
      else active.push(alert)
    }
    if (silencedCount) options.metrics.silenced(silencedCount)
    if (inhibitedCount) options.metrics.inhibited(inhibitedCount)
    // A route in one of its mute intervals, or outside all its active ones, sends nothing now, as
    // Alertmanager's time stages: the group's alerts stay and go out at a later flush.
    const route = group.route
    const within = (names: string[]) => names.some((name) => options.timeIntervals?.(name)?.(now) === true)
    const timeMuted =
      within(route.muteTimeIntervals) ||
      (route.activeTimeIntervals.length > 0 && !within(route.activeTimeIntervals))
    const firing = active.filter((a) => a.endsAt > now)
    const resolved = active.filter((a) => a.endsAt <= now)
    const firingSet = new Set(firing.map((a) => a.fingerprint))
    const resolvedSet = new Set(resolved.map((a) => a.fingerprint))
    const receiver = group.route.receiver
    const channels = timeMuted ? [] : (options.receivers(receiver) ?? [])
    const incidentKey = `${group.key}|${receiver}`
    let incident = openIncidents.get(incidentKey)
      ? incidents.get(openIncidents.get(incidentKey) as string)
      : undefined
    let allOk = true
    for (let i = 0; i < channels.length; i++) {
      const channel = channels[i] as AlertChannel
      const logKey = `${group.key}|${receiver}|${i}`
      const entry = log.get(logKey)
      const reason = decideNotification(
        entry,
        firingSet,
        resolvedSet,
        channel.sendResolved,
        group.route.repeatIntervalMs,
        now,
        incident?.status === 'acknowledged',
      )
      if (!reason) continue
      if (firing.length > 0) {
        incident = openIncident(group, now, firing)
        if (
          (reason === 'new alerts added' || reason === 'first notification') &&
          incident.status === 'acknowledged'
        ) {
          incident.status = 'triggered'
          delete incident.acknowledgedAt
          delete incident.acknowledgedBy
          addEvent(incident, { type: 'rearmed', reason })
          scheduleEscalation(incident, now)
        }
      }
      const toSend = channel.sendResolved ? [...firing, ...resolved] : firing
      const newEntry: NotificationLogEntry = {
        firing: [...firingSet],
        resolved: channel.sendResolved ? [...resolvedSet] : [],
        at: now,
      }
      if (toSend.length === 0) {
        setLog(logKey, newEntry)
        continue
      }
      const notification = buildNotification(group, receiver, toSend, reason, now, incident?.id)
      group.lastNotification = notification
      try {
        await sendWithRetry(channel, notification, group.route.groupIntervalMs)
        setLog(logKey, newEntry)
        options.metrics.notified(receiver, channel.type, 'sent')
        if (incident) addEvent(incident, { type: 'notified', channel: `${receiver}/${channel.type}`, reason })
      } catch (error) {
        allOk = false
        options.metrics.notified(receiver, channel.type, 'failed')
        logger.warn(
          { err: error, receiver, channel: channel.type, reason },
          'alert notification failed; retried at the next group interval',
        )
        if (incident)
          addEvent(incident, { type: 'notify_failed', channel: `${receiver}/${channel.type}`, reason })
      }
    }
    const rawFiring = snapshot.some((s) => s.alert.endsAt > now)
    if (!rawFiring) {
      for (const [silenceId, key] of manualSilences) {
        if (key !== group.key) continue
        options.silences.expire(silenceId)
        manualSilences.delete(silenceId)
      }
    }
    if (firing.length === 0 && incident && allOk) closeIncident(incident, undefined, 'auto')
    if (allOk) {
      for (const s of snapshot) {
        if (s.alert.endsAt > now) continue
        const current = group.alerts.get(s.fp)
        if (current && current.version === s.version) group.alerts.delete(s.fp)
      }
    }
    if (group.alerts.size === 0) {
      if (group.timer !== undefined) clock.clearTimeout(group.timer)
      groups.delete(group.key)
      for (const key of [...log.keys()]) if (key.startsWith(`${group.key}|`)) setLog(key, undefined)
    }
  }

  const tick = (group: Group) => {
    if (closed || groups.get(group.key) !== group) return
    group.timer = clock.setTimeout(() => tick(group), group.route.groupIntervalMs)
    if (group.flushing) return
    group.flushing = true
    flush(group)
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

  return {
    put(list) {
      if (closed) return
      const root = options.routes()
      if (!root) return
      const now = clock.now()
      for (const alert of list) {
        const entry: GroupAlert = { alert, version: ++version }
        alerts.set(alert.fingerprint, entry)
        for (const route of matchRoutes(root, alert.labels)) {
          const labels = groupLabelsOf(route, alert.labels)
          const key = `${route.id}:${JSON.stringify(Object.entries(labels).sort())}`
          let group = groups.get(key)
          if (!group) {
            if (alert.endsAt <= now) continue
            group = { key, route, labels, alerts: new Map(), flushing: false }
            groups.set(key, group)
            const created = group
            const wait = alert.startsAt + route.groupWaitMs <= now ? 0 : route.groupWaitMs
            group.timer = clock.setTimeout(() => tick(created), wait)
          }
          group.alerts.set(alert.fingerprint, entry)
        }
      }
      gcAlerts(now)
    },
    groups() {
      const now = clock.now()
      return [...groups.values()].map((g) => ({
        key: g.key,
        receiver: g.route.receiver,
        labels: g.labels,
        alerts: [...g.alerts.values()].map(({ alert }) => ({
          fingerprint: alert.fingerprint,
          labels: alert.labels,
          status: alert.endsAt > now ? ('firing' as const) : ('resolved' as const),
        })),
      }))
    },
    incidents: () =>
      [...incidents.values()].map((i) => structuredClone(i)).sort((a, b) => b.triggeredAt - a.triggeredAt),
    incident: (id) => {
      const found = incidents.get(id)
      return found ? structuredClone(found) : undefined
    },
    async acknowledge(id, by) {
      const incident = incidents.get(id)
      if (!incident) throw new MonitorError('MONITOR_NOT_FOUND', `no incident with id ${id}`)
      if (typeof by !== 'string' || by.length === 0)
        throw new MonitorError('MONITOR_INVALID_CONFIG', 'acknowledge needs who acknowledged')
      if (incident.status !== 'triggered') return structuredClone(incident)
      incident.status = 'acknowledged'
      incident.acknowledgedAt = clock.now()
      incident.acknowledgedBy = by
      clearEscalation(id)
      addEvent(incident, { type: 'acknowledged', by })
      const group = groups.get(incident.groupKey)
      if (group?.lastNotification) {
        for (const channel of options.receivers(incident.receiver) ?? []) {
          if (!channel.acknowledge) continue
          try {
            await channel.acknowledge(group.lastNotification, by)
            addEvent(incident, {
              type: 'notified',
              channel: `${incident.receiver}/${channel.type}`,
              reason: 'acknowledge',
            })
          } catch (error) {
            logger.warn({ err: error, channel: channel.type }, 'mirroring an acknowledgement failed')
            addEvent(incident, {
              type: 'notify_failed',
              channel: `${incident.receiver}/${channel.type}`,
              reason: 'acknowledge',
            })
          }
        }
      }
      return structuredClone(incident)
    },
    async resolve(id, by) {
      const incident = incidents.get(id)
      if (!incident) throw new MonitorError('MONITOR_NOT_FOUND', `no incident with id ${id}`)
      if (incident.status === 'resolved') return structuredClone(incident)
      const group = groups.get(incident.groupKey)
      const now = clock.now()
      const firing = group ? [...group.alerts.values()].map((g) => g.alert).filter((a) => a.endsAt > now) : []
      const sets = firing
        .map((a) =>
          Object.entries(a.labels)
            .filter(([, v]) => v !== '')
            .map(([k, v]) => ({ name: k, value: v })),
        )
        .filter((set) => set.length > 0)
      if (sets.length > 0 && group) {
        const silence = options.silences.create({
          matchers: sets,
          endsAt: now + 24 * 3_600_000,
          createdBy: by,
          comment: `manual resolve of incident ${id}; expires when the condition clears`,
        })
        manualSilences.set(silence.id, group.key)
        incident.manualSilenceId = silence.id
      }
      closeIncident(incident, by, 'manual')
      if (group && firing.length > 0) {
        // the silence mutes the alerts, so tell resolution-aware receivers (PagerDuty) explicitly
        const resolvedNow = firing.map((a) => ({ ...a, endsAt: now }))
        const notification = buildNotification(
          group,
          incident.receiver,
          resolvedNow,
          'all alerts resolved',
          now,
          incident.id,
        )
        for (const channel of options.receivers(incident.receiver) ?? []) {
          if (!channel.sendResolved) continue
          try {
            await sendWithRetry(channel, notification, group.route.groupIntervalMs)
            options.metrics.notified(incident.receiver, channel.type, 'sent')
            addEvent(incident, {
              type: 'notified',
              channel: `${incident.receiver}/${channel.type}`,
              reason: 'manual resolve',
            })
          } catch (error) {
            options.metrics.notified(incident.receiver, channel.type, 'failed')
            logger.warn({ err: error, channel: channel.type }, 'notifying a manual resolve failed')
            addEvent(incident, {
              type: 'notify_failed',
              channel: `${incident.receiver}/${channel.type}`,
              reason: 'manual resolve',
            })
          }
        }
      }
      return structuredClone(incident)
    },
    note(id, change) {
      const incident = incidents.get(id)
      if (!incident) throw new MonitorError('MONITOR_NOT_FOUND', `no incident with id ${id}`)
      if (change.assignee !== undefined) incident.assignee = change.assignee
      addEvent(incident, {
        type: 'note',
        ...(change.by ? { by: change.by } : {}),
        text: change.note ?? `assigned to ${change.assignee ?? ''}`,
      })
      return structuredClone(incident)
    },
    restore(state) {
      for (const incident of state.incidents ?? []) {
        incidents.set(incident.id, incident)
        if (incident.status !== 'resolved')
          openIncidents.set(`${incident.groupKey}|${incident.receiver}`, incident.id)
        if (incident.manualSilenceId && incident.status === 'resolved')
          manualSilences.set(incident.manualSilenceId, incident.groupKey)
        if (incident.status === 'triggered') scheduleEscalation(incident, incident.triggeredAt)
      }
      for (const [key, entry] of state.log ?? []) log.set(key, entry)
    },
    close() {
      closed = true
      for (const g of groups.values()) if (g.timer !== undefined) clock.clearTimeout(g.timer)
      for (const id of [...escalationTimers.keys()]) clearEscalation(id)
    },
  }
}
