import type { Logger } from '@opskit/core'
import type { AlertChannel } from '../channels/alert-channel.js'
import type { SendContext } from './notification.js'

/** Counters the dispatcher reports to (self-metrics). */
export interface DispatcherMetrics {
  notified(receiver: string, channel: string, outcome: 'sent' | 'failed'): void
  silenced(count: number): void
  inhibited(count: number): void
}

/** What the dispatcher's and the incidents' modules share: how to reach receivers, and report. */
export interface DispatchContext extends SendContext {
  logger: Logger
  /** `externalURL` of notifications. */
  externalUrl: string
  metrics: DispatcherMetrics
  /** The channels of a named receiver. */
  receivers(name: string): readonly AlertChannel[] | undefined
}
