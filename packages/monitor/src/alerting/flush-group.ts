import type { AlertChannel } from '../channels/alert-channel.js'
import type { Incident } from '../incidents/incident.js'
import type { IncidentManager } from '../incidents/incident-manager.js'
import type { Labels } from '../labels/labels.js'
import type { PostableAlert } from '../rules/alert-types.js'
import type { AggregationGroup, GroupAlert } from './aggregation-group.js'
import type { DispatchContext } from './dispatch-context.js'
import type { Inhibitor } from './inhibition.js'
import { buildNotification, sendWithRetry } from './notification.js'
import { decideNotification, type NotificationLogEntry } from './notification-log.js'
import type { RouteNode } from './routing.js'
import type { Silences } from './silences.js'
import type { TimeIntervalTest } from './time-intervals.js'

/** The notification log: the last notification per (group, receiver, channel). */
export interface NotificationLog {
  get(key: string): NotificationLogEntry | undefined
  /** Sets an entry; `undefined` deletes it. */
  set(key: string, entry: NotificationLogEntry | undefined): void
  keys(): IterableIterator<string>
}

/** What a flush reads and changes: the dispatcher's state, passed explicitly. */
export interface FlushContext extends DispatchContext {
  silences: Silences
  inhibitor: Inhibitor
  timeIntervals?: ((name: string) => TimeIntervalTest | undefined) | undefined
  incidents: IncidentManager
  /** Every alert the dispatcher holds (inhibition looks at all of them). */
  alerts: ReadonlyMap<string, GroupAlert>
  groups: Map<string, AggregationGroup>
  log: NotificationLog
}

interface SnapshotAlert {
  fp: string
  alert: PostableAlert
  version: number
}

/** The alerts neither silenced nor inhibited; counts the others. */
function unmutedAlerts(ctx: FlushContext, snapshot: readonly SnapshotAlert[], now: number): PostableAlert[] {
  const firingEverywhere: Array<{ fingerprint: string; labels: Labels }> = []
  if (ctx.inhibitor.size > 0) {
    for (const g of ctx.alerts.values()) if (g.alert.endsAt > now) firingEverywhere.push(g.alert)
  }
  const inhibited = ctx.inhibitor.size > 0 ? ctx.inhibitor.index(firingEverywhere) : undefined
  const active: PostableAlert[] = []
  let silencedCount = 0
  let inhibitedCount = 0
  for (const { alert } of snapshot) {
    if (ctx.silences.mutedBy(alert.labels)) silencedCount++
    else if (inhibited?.(alert.labels, alert.fingerprint)) inhibitedCount++
    else active.push(alert)
  }
  if (silencedCount) ctx.metrics.silenced(silencedCount)
  if (inhibitedCount) ctx.metrics.inhibited(inhibitedCount)
  return active
}

/**
 * Whether a route sends nothing now: in one of its mute intervals, or outside all its active
 * ones, as Alertmanager's time stages (the group's alerts stay and go out at a later flush).
 */
function timeMuted(ctx: FlushContext, route: RouteNode, now: number): boolean {
  const within = (names: string[]) => names.some((name) => ctx.timeIntervals?.(name)?.(now) === true)
  return (
    within(route.muteTimeIntervals) ||
    (route.activeTimeIntervals.length > 0 && !within(route.activeTimeIntervals))
  )
}

/** The alerts of one flush, split by state. */
interface FlushAlerts {
  firing: PostableAlert[]
  resolved: PostableAlert[]
  firingSet: Set<string>
  resolvedSet: Set<string>
  now: number
}

/** Dedup, incident and send for one channel of the group's receiver; `false` when the send failed. */
async function notifyChannel(
  ctx: FlushContext,
  group: AggregationGroup,
  index: number,
  channel: AlertChannel,
  batch: FlushAlerts,
): Promise<boolean> {
  const { firing, resolved, firingSet, resolvedSet, now } = batch
  const receiver = group.route.receiver
  const logKey = `${group.key}|${receiver}|${index}`
  let incident: Incident | undefined = ctx.incidents.openFor(group.key, receiver)
  const reason = decideNotification(
    ctx.log.get(logKey),
    firingSet,
    resolvedSet,
    channel.sendResolved,
    group.route.repeatIntervalMs,
    now,
    incident?.status === 'acknowledged',
  )
  if (!reason) return true
  if (firing.length > 0) incident = ctx.incidents.trigger(group, now, firing, reason)
  const toSend = channel.sendResolved ? [...firing, ...resolved] : firing
  const entry: NotificationLogEntry = {
    firing: [...firingSet],
    resolved: channel.sendResolved ? [...resolvedSet] : [],
    at: now,
  }
  if (toSend.length === 0) {
    ctx.log.set(logKey, entry)
    return true
  }
  const notification = buildNotification({
    group,
    receiver,
    alerts: toSend,
    reason,
    now,
    externalUrl: ctx.externalUrl,
    incidentId: incident?.id,
  })
  group.lastNotification = notification
  const at = `${receiver}/${channel.type}`
  try {
    await sendWithRetry(ctx, channel, notification, group.route.groupIntervalMs)
    ctx.log.set(logKey, entry)
    ctx.metrics.notified(receiver, channel.type, 'sent')
    if (incident) ctx.incidents.event(incident, { type: 'notified', channel: at, reason })
    return true
  } catch (error) {
    ctx.metrics.notified(receiver, channel.type, 'failed')
    ctx.logger.warn(
      { err: error, receiver, channel: channel.type, reason },
      'alert notification failed; retried at the next group interval',
    )
    if (incident) ctx.incidents.event(incident, { type: 'notify_failed', channel: at, reason })
    return false
  }
}

/** After a flush: resolved alerts leave the group (unless re-put meanwhile), an empty group goes. */
function settle(
  ctx: FlushContext,
  group: AggregationGroup,
  snapshot: readonly SnapshotAlert[],
  now: number,
): void {
  for (const s of snapshot) {
    if (s.alert.endsAt > now) continue
    const current = group.alerts.get(s.fp)
    if (current && current.version === s.version) group.alerts.delete(s.fp)
  }
  if (group.alerts.size > 0) return
  if (group.timer !== undefined) ctx.clock.clearTimeout(group.timer)
  ctx.groups.delete(group.key)
  for (const key of [...ctx.log.keys()]) if (key.startsWith(`${group.key}|`)) ctx.log.set(key, undefined)
}

/** One flush of an aggregation group: Alertmanager's notification pipeline, plus incidents. */
export async function flushGroup(ctx: FlushContext, group: AggregationGroup): Promise<void> {
  const now = ctx.clock.now()
  const snapshot = [...group.alerts.entries()].map(([fp, g]) => ({ fp, alert: g.alert, version: g.version }))
  const active = unmutedAlerts(ctx, snapshot, now)
  const firing = active.filter((a) => a.endsAt > now)
  const resolved = active.filter((a) => a.endsAt <= now)
  const batch: FlushAlerts = {
    firing,
    resolved,
    firingSet: new Set(firing.map((a) => a.fingerprint)),
    resolvedSet: new Set(resolved.map((a) => a.fingerprint)),
    now,
  }
  const receiver = group.route.receiver
  const channels = timeMuted(ctx, group.route, now) ? [] : (ctx.receivers(receiver) ?? [])
  let allOk = true
  for (let i = 0; i < channels.length; i++) {
    if (!(await notifyChannel(ctx, group, i, channels[i] as AlertChannel, batch))) allOk = false
  }
  if (!snapshot.some((s) => s.alert.endsAt > now)) ctx.incidents.groupCleared(group.key)
  const incident = ctx.incidents.openFor(group.key, receiver)
  if (firing.length === 0 && incident && allOk) ctx.incidents.autoResolve(incident)
  // a failed send keeps the resolved alerts for the next flush
  settle(ctx, group, allOk ? snapshot : [], now)
}
