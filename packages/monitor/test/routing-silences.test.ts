import { createFakeClock } from '@opskit/core/testing'
import { describe, expect, it } from 'vitest'
import { compileRoutes, createSilences, matchRoutes } from '../src/alerting/index.js'
import { MonitorError } from '../src/index.js'
import { H, harness, M, recordingChannel, S } from './helpers/dispatch.js'

describe('routing tree', () => {
  const known = () => true
  const tree = compileRoutes(
    {
      receiver: 'default',
      groupBy: ['alertname'],
      groupWait: '10s',
      routes: [
        { matchers: ['severity="page"'], receiver: 'pager', continue: true, groupWait: '0s' },
        {
          matchers: ['team=~"db|infra"'],
          receiver: 'ops',
          groupBy: ['...'],
          routes: [{ matchers: ['env!="prod"'], receiver: 'ops-dev' }],
        },
        { matchers: ['team!~"web.*"', 'service!=""'], receiver: 'services' },
      ],
    },
    known,
  )
  const receivers = (labels: Record<string, string>) => matchRoutes(tree, labels).map((r) => r.receiver)

  it('first match wins, continue tries later siblings, children recurse, fallback to the parent', () => {
    expect(receivers({ severity: 'page', team: 'db', env: 'prod' })).toEqual(['pager', 'ops'])
    expect(receivers({ team: 'infra', env: 'staging' })).toEqual(['ops-dev'])
    expect(receivers({ team: 'dbx' })).toEqual(['default'])
    expect(receivers({ team: 'web-a', service: 'x' })).toEqual(['default'])
    expect(receivers({ service: 'checkout' })).toEqual(['services'])
  })

  it('inherits unset fields; groupBy ... groups by every label; continue is not inherited', () => {
    const pager = matchRoutes(tree, { severity: 'page' })[0]
    expect(pager).toMatchObject({
      groupBy: ['alertname'],
      groupWaitMs: 0,
      groupIntervalMs: 300_000,
      repeatIntervalMs: 4 * H,
    })
    const opsDev = matchRoutes(tree, { team: 'db', env: 'dev' })[0]
    expect(opsDev).toMatchObject({ groupBy: 'all', groupWaitMs: 10_000, continue: false })
  })

  it('validates the tree', () => {
    expect(() => compileRoutes({ groupBy: [] }, known)).toThrowError(/root route needs a receiver/)
    expect(() => compileRoutes({ receiver: 'x', matchers: ['a="b"'] }, known)).toThrowError(/no matchers/)
    expect(() =>
      compileRoutes({ receiver: 'x', routes: [{ matchers: ['bad matcher'] }] }, known),
    ).toThrowError(MonitorError)
    expect(() => compileRoutes({ receiver: 'nobody' }, () => false)).toThrowError(/unknown receiver/)
  })
})

describe('silences', () => {
  it('pending → active → expired from the clock, and mutes only while active', async () => {
    const clock = createFakeClock()
    const silences = createSilences(clock)
    const s = silences.create({
      matchers: ['alertname="Disk"', 'host=~"db-.*"'],
      startsAt: clock.now() + M,
      endsAt: clock.now() + 10 * M,
      createdBy: 'ana',
      comment: 'maintenance',
    })
    expect(silences.state(s)).toBe('pending')
    expect(silences.mutedBy({ alertname: 'Disk', host: 'db-1' })).toBeUndefined()
    await clock.advance(M)
    expect(silences.state(s)).toBe('active')
    expect(silences.mutedBy({ alertname: 'Disk', host: 'db-1' })).toBe(s.id)
    expect(silences.mutedBy({ alertname: 'Disk', host: 'web-1' })).toBeUndefined()
    await clock.advance(9 * M + 1)
    expect(silences.state(s)).toBe('expired')
    expect(silences.mutedBy({ alertname: 'Disk', host: 'db-1' })).toBeUndefined()
  })

  it('validation and update rules', async () => {
    const clock = createFakeClock()
    const silences = createSilences(clock)
    const base = { createdBy: 'ana', comment: 'x', endsAt: clock.now() + H }
    expect(() => silences.create({ ...base, matchers: ['team=~".*"'] })).toThrowError(/silence everything/)
    expect(() => silences.create({ ...base, matchers: ['team=""'] })).toThrowError(/silence everything/)
    expect(() =>
      silences.create({ ...base, matchers: ['a="b"'], startsAt: clock.now() + 2 * H }),
    ).toThrowError(/before startsAt/)
    expect(() => silences.create({ ...base, matchers: [] })).toThrowError(MonitorError)
    const active = silences.create({ ...base, matchers: ['a="b"'] })
    expect(() => silences.update(active.id, { startsAt: clock.now() + M })).toThrowError(/active silence/)
    expect(() => silences.update(active.id, { endsAt: clock.now() - 1 })).toThrowError(/past/)
    expect(silences.update(active.id, { endsAt: clock.now() + 2 * H }).endsAt).toBe(clock.now() + 2 * H)
    const pending = silences.create({ ...base, matchers: ['a="b"'], startsAt: clock.now() + M })
    expect(() => silences.update(pending.id, { startsAt: clock.now() - 1 })).toThrowError(/now or later/)
    const expiredPending = silences.expire(pending.id)
    expect(expiredPending.startsAt).toBe(clock.now())
    expect(expiredPending.endsAt).toBe(clock.now())
    expect(silences.state(expiredPending)).toBe('expired')
    await clock.advance(1)
    silences.expire(active.id)
    expect(() => silences.update(active.id, { endsAt: clock.now() + H })).toThrowError(/immutable/)
    expect(() => silences.expire('nope')).toThrowError(
      expect.objectContaining({ code: 'MONITOR_SILENCE_NOT_FOUND' }),
    )
  })

  it('a silenced alert is not notified and is counted', async () => {
    const h = harness(
      { receiver: 'team', groupBy: ['alertname'], groupWait: '30s' },
      { team: (c) => [recordingChannel(c)] },
    )
    h.silences.create({
      matchers: ['instance="a"'],
      endsAt: h.clock.now() + H,
      createdBy: 'ana',
      comment: 'noisy',
    })
    h.fire({ alertname: 'X', instance: 'a' })
    h.fire({ alertname: 'X', instance: 'b' })
    await h.at(M)
    const sent = h.channels.get('team')?.[0]?.sent ?? []
    expect(sent.map((s) => s.notification.alerts.map((a) => a.labels.instance))).toEqual([['b']])
    expect(h.counts.silenced).toBe(1)
  })
})

describe('inhibition', () => {
  it('a firing source mutes targets that agree on equal labels; missing equals empty', async () => {
    const h = harness(
      { receiver: 'team', groupBy: ['...'], groupWait: '30s' },
      { team: (c) => [recordingChannel(c)] },
    )
    h.inhibitor.add({
      sourceMatchers: ['severity="critical"'],
      targetMatchers: ['severity="warning"'],
      equal: ['cluster'],
    })
    h.fire({ alertname: 'Down', severity: 'critical', cluster: 'eu' })
    h.fire({ alertname: 'Slow', severity: 'warning', cluster: 'eu' })
    h.fire({ alertname: 'Slow', severity: 'warning', cluster: 'us' })
    await h.at(M)
    const sent = (h.channels.get('team')?.[0]?.sent ?? []).map(
      (s) => `${s.notification.alerts[0]?.labels.alertname}/${s.notification.alerts[0]?.labels.cluster}`,
    )
    expect(sent.sort()).toEqual(['Down/eu', 'Slow/us'])
    expect(h.counts.inhibited).toBe(1)
  })

  it('an alert matching both sides is not inhibited by itself or by alerts matching both sides', async () => {
    const h = harness(
      { receiver: 'team', groupBy: ['...'], groupWait: '30s' },
      { team: (c) => [recordingChannel(c)] },
    )
    h.inhibitor.add({ sourceMatchers: ['alertname=~"A|B"'], targetMatchers: ['alertname=~"A|B"'] })
    h.fire({ alertname: 'A' })
    h.fire({ alertname: 'B' })
    await h.at(M)
    expect(h.channels.get('team')?.[0]?.sent).toHaveLength(2)
    expect(h.counts.inhibited).toBe(0)
  })

  it('is checked at flush time: a source arriving during group_wait still inhibits', async () => {
    const h = harness(
      { receiver: 'team', groupBy: ['...'], groupWait: '30s' },
      { team: (c) => [recordingChannel(c)] },
    )
    h.inhibitor.add({ sourceMatchers: ['severity="critical"'], targetMatchers: ['severity="warning"'] })
    h.fire({ alertname: 'Slow', severity: 'warning' })
    await h.at(20 * S)
    h.fire({ alertname: 'Down', severity: 'critical' })
    await h.at(2 * M)
    const names = (h.channels.get('team')?.[0]?.sent ?? []).map(
      (s) => s.notification.alerts[0]?.labels.alertname,
    )
    expect(names).toEqual(['Down'])
  })
})
