import type { NotifyReason } from '../channels/alert-channel.js'

/** An entry of the notification log for one (group, receiver, channel). */
export interface NotificationLogEntry {
  firing: string[]
  resolved: string[]
  at: number
}

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
