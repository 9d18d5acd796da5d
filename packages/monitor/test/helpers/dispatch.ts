import { noopLogger } from '@opskit/core'
import { createFakeClock, type FakeClock } from '@opskit/core/testing'
import {
  compileRoutes,
  compileTimeIntervals,
  createDispatcher,
  createInhibitor,
  createSilences,
  type Dispatcher,
  type EscalationLevel,
  fingerprint,
  type Inhibitor,
  type RouteConfig,
  type Silences,
  type TimeIntervalSpec,
} from '../../src/alerting/index.js'
import type { PostableAlert } from '../../src/index.js'
import { createMockChannel, type MockChannel } from '../../src/testing/index.js'

/** A channel recording what it was sent (the /testing mock on the harness clock). */
export type RecordingChannel = MockChannel

export function recordingChannel(clock: FakeClock, sendResolved = true, type = 'test'): RecordingChannel {
  return createMockChannel({ clock, sendResolved, type })
}

export const T0 = Date.UTC(2026, 0, 1)
export const S = 1000
export const M = 60_000
export const H = 3_600_000

export interface Harness {
  clock: FakeClock
  dispatcher: Dispatcher
  silences: Silences
  inhibitor: Inhibitor
  channels: Map<string, RecordingChannel[]>
  counts: { silenced: number; inhibited: number; sent: number; failed: number }
  /** Sends an alert as firing (endsAt far away) or resolved at `resolvedAt`. */
  fire(labels: Record<string, string>, startsAt?: number): PostableAlert
  resolveAlert(labels: Record<string, string>, startsAt: number): void
  /** Advances to an absolute offset from T0. */
  at(ms: number): Promise<void>
}

export function harness(
  route: RouteConfig,
  receivers: Record<string, RecordingChannel[] | ((clock: FakeClock) => RecordingChannel[])>,
  options: {
    notifyRetries?: number
    escalation?: EscalationLevel[]
    timeIntervals?: Record<string, TimeIntervalSpec[]>
  } = {},
): Harness {
  const clock = createFakeClock(T0)
  const channels = new Map<string, RecordingChannel[]>()
  for (const [name, value] of Object.entries(receivers))
    channels.set(name, typeof value === 'function' ? value(clock) : value)
  const silences = createSilences(clock)
  const inhibitor = createInhibitor()
  const counts = { silenced: 0, inhibited: 0, sent: 0, failed: 0 }
  const intervals = new Map(
    Object.entries(options.timeIntervals ?? {}).map(([name, specs]) => [
      name,
      compileTimeIntervals(name, specs),
    ]),
  )
  const root = compileRoutes(
    route,
    (name) => channels.has(name),
    (name) => intervals.has(name),
  )
  const dispatcher = createDispatcher({
    clock,
    logger: noopLogger,
    silences,
    inhibitor,
    routes: () => root,
    receivers: (name) => channels.get(name),
    timeIntervals: (name) => intervals.get(name),
    escalation: () => options.escalation ?? [],
    externalUrl: 'http://monitor.test',
    notifyRetries: options.notifyRetries ?? 0,
    metrics: {
      notified: (_r, _c, outcome) => void (outcome === 'sent' ? counts.sent++ : counts.failed++),
      silenced: (n) => {
        counts.silenced += n
      },
      inhibited: (n) => {
        counts.inhibited += n
      },
    },
  })
  const make = (labels: Record<string, string>, startsAt: number, endsAt: number): PostableAlert => ({
    fingerprint: fingerprint(labels),
    labels,
    annotations: { summary: `${labels.alertname} summary` },
    startsAt,
    endsAt,
  })
  return {
    clock,
    dispatcher,
    silences,
    inhibitor,
    channels,
    counts,
    fire(labels, startsAt = clock.now()) {
      const alert = make(labels, startsAt, clock.now() + 24 * H)
      dispatcher.put([alert])
      return alert
    },
    resolveAlert(labels, startsAt) {
      dispatcher.put([make(labels, startsAt, clock.now())])
    },
    at: (ms) => clock.setTime(T0 + ms),
  }
}
