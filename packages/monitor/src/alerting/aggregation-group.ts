import type { Clock } from '@opskit/core'
import type { AlertNotification } from '../channels/alert-channel.js'
import type { Labels } from '../labels/labels.js'
import type { PostableAlert } from '../rules/alert-types.js'
import type { RouteNode } from './routing.js'

/** An alert in the dispatcher, with the version of its last `put` (newer puts win a flush race). */
export interface GroupAlert {
  alert: PostableAlert
  version: number
}

/** An aggregation group: the alerts of one route with the same values of its `groupBy` labels. */
export interface AggregationGroup {
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

/** The group's alerts still firing at `now`. */
export function firingAlerts(group: AggregationGroup, now: number): PostableAlert[] {
  return [...group.alerts.values()].map((g) => g.alert).filter((a) => a.endsAt > now)
}

/** The snapshot of a group at `now`. */
export function snapshotGroup(group: AggregationGroup, now: number): GroupSnapshot {
  return {
    key: group.key,
    receiver: group.route.receiver,
    labels: group.labels,
    alerts: [...group.alerts.values()].map(({ alert }) => ({
      fingerprint: alert.fingerprint,
      labels: alert.labels,
      status: alert.endsAt > now ? ('firing' as const) : ('resolved' as const),
    })),
  }
}
