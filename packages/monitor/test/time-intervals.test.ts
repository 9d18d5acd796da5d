import { describe, expect, it } from 'vitest'
import { compileRoutes, compileTimeIntervals, type TimeIntervalSpec } from '../src/alerting/index.js'
import { H, harness, M, recordingChannel } from './helpers/dispatch.js'

const at = (iso: string) => Date.parse(iso)

describe('time intervals (Alertmanager time_intervals)', () => {
  it('matches times of day (end exclusive) on weekdays, in the given time zone', () => {
    const office = compileTimeIntervals('office', [
      {
        weekdays: ['monday:friday'],
        times: [{ startTime: '09:00', endTime: '17:00' }],
        timeZone: 'Europe/Paris',
      },
    ])
    // Monday 2026-01-05; Paris is UTC+1 in winter.
    expect(office(at('2026-01-05T08:00:00Z'))).toBe(true)
    expect(office(at('2026-01-05T07:59:00Z'))).toBe(false)
    expect(office(at('2026-01-05T15:59:00Z'))).toBe(true)
    expect(office(at('2026-01-05T16:00:00Z'))).toBe(false)
    // Saturday 2026-01-03.
    expect(office(at('2026-01-03T10:00:00Z'))).toBe(false)
  })

  it('follows daylight saving time in the time zone', () => {
    const standup = compileTimeIntervals('standup', [
      { times: [{ startTime: '09:00', endTime: '10:00' }], timeZone: 'America/New_York' },
    ])
    // New York moves to UTC-4 on 2026-03-08.
    expect(standup(at('2026-03-06T14:30:00Z'))).toBe(true)
    expect(standup(at('2026-03-09T13:30:00Z'))).toBe(true)
    expect(standup(at('2026-03-09T14:30:00Z'))).toBe(false)
  })

  it('counts negative days from the month end, and a range never spills into the next month', () => {
    const lastDay = compileTimeIntervals('last-day', [{ daysOfMonth: ['-1'] }])
    expect(lastDay(at('2026-02-28T12:00:00Z'))).toBe(true)
    expect(lastDay(at('2026-02-27T12:00:00Z'))).toBe(false)
    expect(lastDay(at('2024-02-29T12:00:00Z'))).toBe(true)
    expect(lastDay(at('2024-02-28T12:00:00Z'))).toBe(false)
    const late = compileTimeIntervals('late', [{ daysOfMonth: ['30:31'] }])
    expect(late(at('2026-01-30T00:00:00Z'))).toBe(true)
    expect(late(at('2026-02-28T00:00:00Z'))).toBe(false)
    expect(late(at('2026-03-01T00:00:00Z'))).toBe(false)
    const tail = compileTimeIntervals('tail', [{ daysOfMonth: ['25:31'] }])
    expect(tail(at('2026-02-28T00:00:00Z'))).toBe(true)
  })

  it('matches months by name or number, years, 24:00 as the end of the day, and any listed interval', () => {
    const quarter = compileTimeIntervals('q1-2026', [{ months: ['january:march'], years: ['2026'] }])
    expect(quarter(at('2026-02-10T00:00:00Z'))).toBe(true)
    expect(quarter(at('2026-04-01T00:00:00Z'))).toBe(false)
    expect(quarter(at('2027-02-10T00:00:00Z'))).toBe(false)
    const evenings = compileTimeIntervals('evenings', [
      { times: [{ startTime: '22:00', endTime: '24:00' }] },
      { months: ['12'] },
    ])
    expect(evenings(at('2026-06-01T23:59:00Z'))).toBe(true)
    expect(evenings(at('2026-06-01T21:59:00Z'))).toBe(false)
    expect(evenings(at('2026-12-01T12:00:00Z'))).toBe(true)
  })

  it.each<[string, TimeIntervalSpec[], RegExp]>([
    ['a bad time', [{ times: [{ startTime: '25:00', endTime: '26:00' }] }], /not a time of day/],
    ['an empty time range', [{ times: [{ startTime: '10:00', endTime: '10:00' }] }], /not before/],
    ['an unknown weekday', [{ weekdays: ['funday'] }], /not a valid weekday/],
    ['a backwards month range', [{ months: ['december:february'] }], /ends before it starts/],
    ['day 0', [{ daysOfMonth: ['0'] }], /not a valid day of the month/],
    ['an unknown zone', [{ timeZone: 'Mars/Olympus' }], /unknown time zone/],
    ['an unknown field', [{ hours: ['1'] } as unknown as TimeIntervalSpec], /time interval "bad"/],
    ['no interval', [], /time interval "bad"/],
  ])('refuses %s with MONITOR_INVALID_OPTIONS', (_case, specs, message) => {
    expect(() => compileTimeIntervals('bad', specs)).toThrow(message)
    expect(() => compileTimeIntervals('bad', specs)).toThrow(
      expect.objectContaining({ code: 'MONITOR_INVALID_OPTIONS' }),
    )
  })
})

describe('routes with time intervals', () => {
  const intervals = {
    nights: [{ times: [{ startTime: '00:00', endTime: '06:00' }] }],
    business: [{ times: [{ startTime: '09:00', endTime: '17:00' }] }],
  }
  const sentAt = (h: ReturnType<typeof harness>, receiver: string) =>
    (h.channels.get(receiver)?.[0]?.sent ?? []).map((s) => s.at - Date.UTC(2026, 0, 1))

  it('a muted route holds its notifications until the mute ends; children do not inherit it', async () => {
    const h = harness(
      {
        receiver: 'default',
        groupBy: ['alertname'],
        routes: [
          {
            matchers: ['team="ops"'],
            receiver: 'ops',
            muteTimeIntervals: ['nights'],
            groupWait: '30s',
            groupInterval: '5m',
            routes: [{ matchers: ['severity="page"'], receiver: 'pager' }],
          },
        ],
      },
      {
        default: (c) => [recordingChannel(c)],
        ops: (c) => [recordingChannel(c)],
        pager: (c) => [recordingChannel(c)],
      },
      { timeIntervals: intervals },
    )
    h.fire({ alertname: 'Disk', team: 'ops' }) // 00:00 UTC, inside "nights"
    h.fire({ alertname: 'Down', team: 'ops', severity: 'page' })
    await h.at(5 * H)
    expect(sentAt(h, 'ops')).toEqual([])
    // The child route is not muted: it notifies after its group wait (and repeats after 4 h).
    expect(sentAt(h, 'pager')[0]).toBe(30_000)
    await h.at(6 * H + 10 * M)
    expect(sentAt(h, 'ops')).toHaveLength(1)
    expect(sentAt(h, 'ops')[0]).toBeGreaterThanOrEqual(6 * H)
    expect(sentAt(h, 'ops')[0]).toBeLessThanOrEqual(6 * H + 5 * M)
  })

  it('an active-interval route sends only inside its intervals', async () => {
    const h = harness(
      {
        receiver: 'default',
        groupBy: ['alertname'],
        routes: [
          {
            matchers: ['team="web"'],
            receiver: 'web',
            activeTimeIntervals: ['business'],
            groupInterval: '5m',
          },
        ],
      },
      { default: (c) => [recordingChannel(c)], web: (c) => [recordingChannel(c)] },
      { timeIntervals: intervals },
    )
    h.fire({ alertname: 'Slow', team: 'web' })
    await h.at(8 * H + 55 * M)
    expect(sentAt(h, 'web')).toEqual([])
    await h.at(9 * H + 10 * M)
    expect(sentAt(h, 'web')).toHaveLength(1)
    expect(sentAt(h, 'web')[0]).toBeGreaterThanOrEqual(9 * H)
  })

  it('refuses time intervals on the root and names that were not registered', () => {
    const known = () => true
    expect(() => compileRoutes({ receiver: 'r', muteTimeIntervals: ['nights'] }, known, known)).toThrow(
      /root route cannot have time intervals/,
    )
    expect(() =>
      compileRoutes({ receiver: 'r', routes: [{ receiver: 'r', activeTimeIntervals: ['nope'] }] }, known),
    ).toThrow(/unknown time interval "nope"/)
  })
})
