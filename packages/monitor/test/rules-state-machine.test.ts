import { createFakeClock } from '@opskit/core/testing'
import { describe, expect, it } from 'vitest'
import {
  type AlertState,
  createPushSampleSource,
  createRuleEngine,
  type Duration,
  type PostableAlert,
} from '../src/index.js'

const MIN = 60_000
const T0 = Date.UTC(2026, 0, 1)

interface Vector {
  id: string
  rule: { for?: Duration; keepFiringFor?: Duration }
  /** Minute → whether the condition holds (series present). */
  present: (minute: number) => boolean
  minutes: number
  /** Expected state of the instance per minute (`deleted` when it no longer exists). */
  expect: Record<number, AlertState | 'deleted'>
  /** Optional expected activeAt (minutes) per minute. */
  activeAt?: Record<number, number>
  keepFiringSince?: Record<number, number | undefined>
}

const vectors: Vector[] = [
  { id: 'T1', rule: {}, present: (m) => m === 0, minutes: 1, expect: { 0: 'firing' }, activeAt: { 0: 0 } },
  {
    id: 'T2',
    rule: { for: '3m' },
    present: () => true,
    minutes: 4,
    expect: { 0: 'pending', 1: 'pending', 2: 'pending', 3: 'firing' },
  },
  {
    id: 'T3',
    rule: { for: '3m' },
    present: (m) => m !== 2,
    minutes: 7,
    expect: {
      0: 'pending',
      1: 'pending',
      2: 'deleted',
      3: 'pending',
      4: 'pending',
      5: 'pending',
      6: 'firing',
    },
    activeAt: { 3: 3, 6: 3 },
  },
  {
    id: 'T4',
    rule: { keepFiringFor: '2m' },
    present: (m) => m === 0,
    minutes: 4,
    expect: { 0: 'firing', 1: 'firing', 2: 'firing', 3: 'inactive' },
    keepFiringSince: { 0: undefined, 1: 1, 2: 1 },
  },
  {
    id: 'T5',
    rule: { keepFiringFor: '2m' },
    present: (m) => m === 0 || m === 2,
    minutes: 6,
    expect: { 0: 'firing', 1: 'firing', 2: 'firing', 3: 'firing', 4: 'firing', 5: 'inactive' },
    keepFiringSince: { 1: 1, 2: undefined, 3: 3, 4: 3 },
  },
  {
    id: 'T6',
    rule: {},
    present: (m) => m === 0 || m === 1 || m === 2 || m === 5,
    minutes: 6,
    expect: { 0: 'firing', 2: 'firing', 3: 'inactive', 4: 'inactive', 5: 'firing' },
    activeAt: { 0: 0, 2: 0, 5: 5 },
  },
  {
    id: 'T7',
    rule: {},
    present: (m) => m < 3,
    minutes: 20,
    expect: { 3: 'inactive', 10: 'inactive', 18: 'inactive', 19: 'deleted' },
  },
]

describe('Prometheus alert state machine (T1–T7)', () => {
  for (const v of vectors) {
    it(`${v.id}`, async () => {
      const clock = createFakeClock(T0)
      const source = createPushSampleSource()
      const engine = createRuleEngine({ source, clock, sink: () => undefined })
      engine.addRule({ name: 'Up', expr: 'up{job="api"} > 0', ...v.rule })
      for (let m = 0; m < v.minutes; m++) {
        source.set('up', { job: 'api' }, v.present(m) ? 1 : 0)
        await engine.evaluate(T0 + m * MIN)
        const instance = engine.instances()[0]
        const expected = v.expect[m]
        if (expected === 'deleted') expect(instance, `minute ${m}`).toBeUndefined()
        else if (expected) expect(instance?.state, `minute ${m}`).toBe(expected)
        const activeAt = v.activeAt?.[m]
        if (activeAt !== undefined) expect(instance?.activeAt).toBe(T0 + activeAt * MIN)
        if (v.keepFiringSince && m in v.keepFiringSince) {
          const k = v.keepFiringSince[m]
          expect(instance?.keepFiringSince, `keepFiringSince at ${m}`).toBe(
            k === undefined ? undefined : T0 + k * MIN,
          )
        }
      }
    })
  }

  it('T8: a firing alert is re-sent once more than resendDelay has passed, with endsAt = ts + 4 × max(interval, resendDelay); resolved alerts are re-sent until deleted', async () => {
    const clock = createFakeClock(T0)
    const source = createPushSampleSource()
    const sent: Array<{ at: number; alerts: PostableAlert[] }> = []
    const engine = createRuleEngine({
      source,
      clock,
      sink: (alerts) => void sent.push({ at: clock.now(), alerts }),
    })
    engine.addRule({
      name: 'Up',
      expr: 'up > 0',
      labels: { severity: 'page' },
      annotations: { summary: '{{labels.job}} is {{value}}' },
    })
    source.set('up', { job: 'api' }, 1)
    const results: PostableAlert[][] = []
    for (let m = 0; m < 4; m++) results.push(await engine.evaluate(T0 + m * MIN))
    // Prometheus re-sends when lastSentAt + resendDelay is strictly before the evaluation
    // (rules/alerting.go needsSending): with both at one minute, every second evaluation
    for (let m = 0; m < 4; m++) {
      expect(results[m], `minute ${m}`).toHaveLength(m % 2 === 0 ? 1 : 0)
      if (m % 2 === 1) continue
      expect(results[m]?.[0]?.endsAt).toBe(T0 + m * MIN + 4 * MIN)
      expect(results[m]?.[0]?.startsAt).toBe(T0)
    }
    expect(results[0]?.[0]?.labels).toEqual({ job: 'api', severity: 'page', alertname: 'Up' })
    expect(results[0]?.[0]?.annotations.summary).toBe('api is 1')
    source.set('up', { job: 'api' }, 0)
    const resolved = await engine.evaluate(T0 + 4 * MIN)
    expect(resolved[0]?.endsAt).toBe(T0 + 4 * MIN)
    // re-sent as resolved once resendDelay has passed, until deleted 15 minutes after resolution
    for (let m = 5; m <= 20; m++) {
      const out = await engine.evaluate(T0 + m * MIN)
      expect(out.length, `minute ${m}`).toBe(m - 4 <= 15 && m % 2 === 0 ? 1 : 0)
    }
    expect(engine.instances()).toHaveLength(0)
    expect(sent.length).toBeGreaterThan(0)
  })

  it('pending instances are never sent', async () => {
    const source = createPushSampleSource()
    const engine = createRuleEngine({ source, clock: createFakeClock(T0), sink: () => undefined })
    engine.addRule({ name: 'Slow', expr: 'up > 0', for: '5m' })
    source.set('up', {}, 1)
    expect(await engine.evaluate(T0)).toEqual([])
    expect(engine.instances()[0]?.state).toBe('pending')
  })
})

describe('NoData and Error', () => {
  it('default onNoData=ok resolves with stateReason NoData; onNoData=nodata raises DatasourceNoData after for', async () => {
    const source = createPushSampleSource()
    const engine = createRuleEngine({ source, clock: createFakeClock(T0), sink: () => undefined })
    engine.addRule({ name: 'A', expr: 'up > 0' })
    engine.addRule({
      name: 'B',
      expr: 'queue_depth > 10',
      onNoData: 'nodata',
      for: '1m',
      labels: { team: 'ops' },
    })
    source.set('up', {}, 1)
    await engine.evaluate(T0)
    const b = engine.instances().find((i) => i.rule === 'B')
    expect(b).toMatchObject({
      state: 'pending',
      labels: { alertname: 'DatasourceNoData', rulename: 'B', team: 'ops' },
    })
    source.clear()
    // B's DatasourceNoData fires (for: 1m elapsed) and is sent at T0 + 1m, not re-sent at T0 + 2m
    const sentAtOneMinute = await engine.evaluate(T0 + MIN)
    expect(sentAtOneMinute.map((x) => x.labels.alertname)).toContain('DatasourceNoData')
    const a = engine.instances().find((i) => i.rule === 'A')
    expect(a).toMatchObject({ state: 'inactive', stateReason: 'NoData' })
    const out = await engine.evaluate(T0 + 2 * MIN)
    expect(engine.instances().find((i) => i.rule === 'B')?.state).toBe('nodata')
    expect(out.map((x) => x.labels.alertname)).not.toContain('DatasourceNoData')
    expect(engine.rules().find((r) => r.name === 'B')).toMatchObject({
      health: 'nodata',
      stateReason: 'NoData',
    })
    // data comes back: the NoData instance resolves
    source.set('queue_depth', {}, 1)
    await engine.evaluate(T0 + 3 * MIN)
    expect(engine.instances().find((i) => i.rule === 'B')?.state).toBe('inactive')
    expect(engine.rules().find((r) => r.name === 'B')?.health).toBe('ok')
  })

  it('an evaluation error raises DatasourceError; keepLast keeps the state; a limit breach is an error', async () => {
    const source = createPushSampleSource()
    const engine = createRuleEngine({ source, clock: createFakeClock(T0), sink: () => undefined })
    engine.addRule({ name: 'E', expr: 'x + on() z' })
    engine.addRule({ name: 'K', expr: 'x > 0', onError: 'keepLast' })
    engine.addRule({ name: 'L', expr: 'z > 0', limit: 1 })
    source.set('x', { a: '1' }, 1)
    source.set('z', { i: '1' }, 1)
    source.set('z', { i: '2' }, 1)
    await engine.evaluate(T0)
    const e = engine.instances().find((i) => i.rule === 'E')
    expect(e).toMatchObject({
      state: 'error',
      labels: { alertname: 'DatasourceError', rulename: 'E' },
      stateReason: 'Error',
    })
    expect(engine.rules().find((r) => r.name === 'E')?.stateReason).toMatch(/many-to-many matching/)
    expect(engine.instances().filter((i) => i.rule === 'L')[0]).toMatchObject({
      labels: { alertname: 'DatasourceError' },
    })
    expect(engine.rules().find((r) => r.name === 'L')?.stateReason).toMatch(/limit of 1/)
    expect(engine.instances().find((i) => i.rule === 'K')?.state).toBe('firing')
  })
})
