import type { Clock } from '@opskit/core'
import { systemClock } from '@opskit/core'
import type { AlertChannel, AlertNotification } from '../channels/alert-channel.js'
import { MonitorError } from '../errors/monitor-error.js'

/** An {@link AlertChannel} for hosts' tests: records what it was sent and can be made to fail. */
export interface MockChannel extends AlertChannel {
  /** Every delivered notification with the clock time it arrived. */
  readonly sent: Array<{ at: number; notification: AlertNotification }>
  /** Who acknowledged, per mirrored acknowledgement. */
  readonly acks: string[]
  /** The next `count` sends fail with a retryable `MONITOR_CHANNEL_FAILED`. */
  failNext(count?: number): void
  /** Reasons of the notifications sent so far, in order. */
  reasons(): string[]
}

/** Builds a {@link MockChannel}. */
export function createMockChannel(
  options: { type?: string; sendResolved?: boolean; clock?: Clock } = {},
): MockChannel {
  const clock = options.clock ?? systemClock
  const sent: MockChannel['sent'] = []
  const acks: string[] = []
  let failures = 0
  return {
    type: options.type ?? 'mock',
    sendResolved: options.sendResolved ?? true,
    sent,
    acks,
    failNext(count = 1) {
      failures += count
    },
    reasons: () => sent.map((s) => s.notification.reason),
    async send(notification) {
      if (failures > 0) {
        failures--
        throw new MonitorError('MONITOR_CHANNEL_FAILED', 'mock channel: failing as asked', {
          retryable: true,
        })
      }
      sent.push({ at: clock.now(), notification })
    },
    async acknowledge(_notification, by) {
      acks.push(by)
    },
  }
}
