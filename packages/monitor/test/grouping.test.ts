import { describe, expect, it } from 'vitest'
import type { RouteConfig } from '../src/alerting/index.js'
import { H, type Harness, harness, M, recordingChannel, S, T0 } from './helpers/dispatch.js'

const route: RouteConfig = {
  receiver: 'team',
  groupBy: ['alertname'],
  groupWait: '30s',
  groupInterval: '5m',
  repeatInterval: '4h',
}
const A = { alertname: 'Api', instance: 'a' }
const B = { alertname: 'Api', instance: 'b' }

interface Step {
  at: number
  run: (h: Harness) => void
}
interface Vector {
  id: string
  steps: Step[]
  until: number
  expected: Array<{ at: number; alerts: string[]; reason: string; resolved?: string[] }>
}

const vectors: Vector[] = [
  {
    id: 'G1',
    steps: [{ at: 0, run: (h) => void h.fire(A) }],
    until: 5 * M,
    expected: [{ at: 30 * S, alerts: ['a'], reason: 'first notification' }],
  },
  {
    id: 'G2',
    steps: [{ at: 20 * M, run: (h) => void h.fire(A, T0 + 10 * M) }],
    until: 21 * M,
    expected: [{ at: 20 * M, alerts: ['a'], reason: 'first notification' }],
  },
  {
    id: 'G3',
    steps: [
      { at: 0, run: (h) => void h.fire(A) },
      { at: 10 * S, run: (h) => void h.fire(B) },
    ],
    until: 5 * M,
    expected: [{ at: 30 * S, alerts: ['a', 'b'], reason: 'first notification' }],
  },
  {
    id: 'G4',
    steps: [
      { at: 0, run: (h) => void h.fire(A) },
      { at: M, run: (h) => void h.fire(B) },
    ],
    until: 6 * M,
    expected: [
      { at: 30 * S, alerts: ['a'], reason: 'first notification' },
      { at: 5 * M + 30 * S, alerts: ['a', 'b'], reason: 'new alerts added' },
    ],
  },
  {
    id: 'G5',
    steps: [
      { at: 0, run: (h) => void h.fire(A) },
      { at: M, run: (h) => void h.fire(B) },
    ],
    until: 4 * H + 11 * M,
    expected: [
      { at: 30 * S, alerts: ['a'], reason: 'first notification' },
      { at: 5 * M + 30 * S, alerts: ['a', 'b'], reason: 'new alerts added' },
      { at: 4 * H + 10 * M + 30 * S, alerts: ['a', 'b'], reason: 'repeat interval elapsed' },
    ],
  },
  {
    id: 'G6',
    steps: [
      { at: 0, run: (h) => void h.fire(A) },
      { at: M, run: (h) => void h.fire(B) },
      { at: 7 * M, run: (h) => h.resolveAlert(A, T0) },
    ],
    until: 20 * M,
    expected: [
      { at: 30 * S, alerts: ['a'], reason: 'first notification' },
      { at: 5 * M + 30 * S, alerts: ['a', 'b'], reason: 'new alerts added' },
      { at: 10 * M + 30 * S, alerts: ['b'], resolved: ['a'], reason: 'some alerts resolved' },
    ],
  },
  {
    id: 'G7',
    steps: [
      { at: 0, run: (h) => void h.fire(A) },
      { at: M, run: (h) => void h.fire(B) },
      {
        at: 12 * M,
        run: (h) => {
          h.resolveAlert(A, T0)
          h.resolveAlert(B, T0 + M)
        },
      },
    ],
    until: 30 * M,
    expected: [
      { at: 30 * S, alerts: ['a'], reason: 'first notification' },
      { at: 5 * M + 30 * S, alerts: ['a', 'b'], reason: 'new alerts added' },
      { at: 15 * M + 30 * S, alerts: [], resolved: ['a', 'b'], reason: 'all alerts resolved' },
    ],
  },
  {
    id: 'G8',
    steps: [
      { at: 0, run: (h) => void h.fire(A) },
      { at: 20 * S, run: (h) => h.resolveAlert(A, T0) },
    ],
    until: 30 * M,
    expected: [],
  },
  {
    id: 'G9',
    steps: [
      { at: 0, run: (h) => void h.fire(A) },
      { at: M, run: (h) => h.resolveAlert(A, T0) },
      { at: 3 * M, run: (h) => void h.fire(A) },
    ],
    until: 9 * M,
    expected: [{ at: 30 * S, alerts: ['a'], reason: 'first notification' }],
  },
]

describe('Alertmanager grouping and notify decision (G1–G9)', () => {
  for (const v of vectors) {
    it(v.id, async () => {
      const h = harness(route, { team: (clock) => [recordingChannel(clock)] })
      for (const step of v.steps) {
        await h.at(step.at)
        step.run(h)
      }
      await h.at(v.until)
      const sent = h.channels.get('team')?.[0]?.sent ?? []
      expect(
        sent.map((s) => ({
          at: s.at - T0,
          alerts: s.notification.alerts
            .filter((a) => a.status === 'firing')
            .map((a) => a.labels.instance)
            .sort(),
          reason: s.notification.reason,
          resolved: s.notification.alerts
            .filter((a) => a.status === 'resolved')
            .map((a) => a.labels.instance)
            .sort(),
        })),
      ).toEqual(v.expected.map((e) => ({ ...e, resolved: e.resolved ?? [] })))
      if (v.id === 'G7') expect(h.dispatcher.groups()).toEqual([])
      if (v.id === 'G6') expect(h.dispatcher.groups()[0]?.alerts.map((a) => a.labels.instance)).toEqual(['b'])
    })
  }

  it('G10: a failing receiver does not update the log and is retried at the next group interval (after in-stage retries)', async () => {
    const h = harness(route, { team: (clock) => [recordingChannel(clock)] }, { notifyRetries: 2 })
    const channel = h.channels.get('team')?.[0]
    if (!channel) throw new Error('no channel')
    channel.failNext(3) // the first attempt and both in-stage retries fail
    h.fire(A)
    await h.at(5 * M)
    expect(channel.sent).toEqual([])
    expect(h.counts.failed).toBe(1)
    await h.at(5 * M + 30 * S)
    expect(channel.sent.map((s) => [s.at - T0, s.notification.reason])).toEqual([
      [5 * M + 30 * S, 'first notification'],
    ])
    // in-stage retry: one failure then success within the same flush
    const h2 = harness(route, { team: (clock) => [recordingChannel(clock)] }, { notifyRetries: 2 })
    const c2 = h2.channels.get('team')?.[0]
    if (!c2) throw new Error('no channel')
    c2.failNext(1)
    h2.fire(A)
    await h2.at(2 * M)
    expect(c2.sent).toHaveLength(1)
    expect(c2.sent[0]?.at).toBeLessThan(T0 + 2 * M)
  })

  it('send_resolved=false: resolved alerts are not sent but the log is updated; a later fire is a first notification again', async () => {
    const h = harness(route, { team: (clock) => [recordingChannel(clock, false)] })
    h.fire(A)
    await h.at(M)
    h.resolveAlert(A, T0)
    await h.at(20 * M)
    const sent = h.channels.get('team')?.[0]?.sent ?? []
    expect(sent.map((s) => s.notification.reason)).toEqual(['first notification'])
    expect(h.dispatcher.groups()).toEqual([])
  })

  it('the notification carries Alertmanager fields', async () => {
    const h = harness(route, { team: (clock) => [recordingChannel(clock)] })
    h.fire({ ...A, severity: 'page' })
    h.fire({ ...B, severity: 'page' })
    await h.at(M)
    const n = h.channels.get('team')?.[0]?.sent[0]?.notification
    expect(n).toMatchObject({
      receiver: 'team',
      status: 'firing',
      groupLabels: { alertname: 'Api' },
      commonLabels: { alertname: 'Api', severity: 'page' },
      commonAnnotations: { summary: 'Api summary' },
      externalURL: 'http://monitor.test',
    })
    expect(n?.groupKey).toBe('{}:[["alertname","Api"]]')
    expect(n?.alerts[0]?.endsAt).toBe('0001-01-01T00:00:00Z')
  })
})
