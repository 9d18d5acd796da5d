/**
 * Rules created at run time (`monitor.rules`, issue 22): checked exactly as rule files are (the
 * verdicts are compared with `promtool check rules` on the same rule), versioned with typed
 * conflicts, read-only for rules from code, evaluated once created, gone once deleted.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createFakeClock } from '@opskit/core/testing'
import { afterAll, describe, expect, it } from 'vitest'
import { createMonitor, type RuleSpec } from '../src/index.js'
import { createMemoryMonitorStore } from '../src/testing/index.js'
import { PROMTOOL } from './helpers/promtool-replay.js'

const build = async () => {
  const clock = createFakeClock(Date.UTC(2026, 0, 1))
  const monitor = await createMonitor({
    serviceName: 'svc',
    clock,
    defaultMetrics: false,
    store: createMemoryMonitorStore(),
  })
  return { monitor, clock }
}

/** Rules Prometheus accepts and rejects; each goes through promtool and monitor.rules. */
const CASES: Array<[string, unknown]> = [
  ['a plain alert', { alert: 'High', expr: 'x > 1' }],
  [
    'an alert with for, labels, annotations',
    {
      alert: 'High',
      expr: 'rate(x[5m]) > 1',
      for: '5m',
      keep_firing_for: '1m',
      labels: { severity: 'page' },
      annotations: { summary: 'value {{ $value }}' },
    },
  ],
  ['a recording rule', { record: 'job:x:rate5m', expr: 'sum by (job) (rate(x[5m]))' }],
  ['a bad expression', { alert: 'Bad', expr: 'x >' }],
  ['scalars compared without bool', { alert: 'Bad', expr: '3 > 2' }],
  ['a fractional duration', { alert: 'Bad', expr: 'x', for: '1.5m' }],
  ['an unknown field', { alert: 'Bad', expr: 'x', severity: 'page' }],
  ['both alert and record', { alert: 'Bad', record: 'bad', expr: 'x' }],
  ['a recording rule with annotations', { record: 'bad', expr: 'x', annotations: { a: 'b' } }],
  ['an invalid record name', { record: 'bad-name', expr: 'x' }],
  ['an invalid label name', { alert: 'Bad', expr: 'x', labels: { 'bad-label': 'x' } }],
  ['a broken template', { alert: 'Bad', expr: 'x', annotations: { s: '{{ $value' } }],
  ['no expression', { alert: 'Bad' }],
]

describe.skipIf(!PROMTOOL)('monitor.rules checks a rule as promtool checks a rule file', () => {
  const dir = mkdtempSync(join(tmpdir(), 'opskit-rules-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it.each(CASES)('%s: same verdict', async (name, rule) => {
    const file = join(dir, `${name.replace(/\W+/g, '-')}.yml`)
    writeFileSync(file, JSON.stringify({ groups: [{ name: 'g', rules: [rule] }] }))
    const promtool = spawnSync(PROMTOOL as string, ['check', 'rules', file], { encoding: 'utf8' })
    const { monitor } = await build()
    const outcome = await monitor.rules.create(rule as RuleSpec).then(
      () => 'accepted',
      (error: { code?: string }) => error.code,
    )
    expect(outcome).toBe(promtool.status === 0 ? 'accepted' : 'MONITOR_INVALID_RULE')
    expect(await monitor.rules.list()).toHaveLength(promtool.status === 0 ? 1 : 0)
    await monitor.close()
  })
})

describe('monitor.rules', () => {
  it('a created rule is evaluated; an update with the current version changes it; delete removes it', async () => {
    const { monitor } = await build()
    monitor.alerts.samples.set('queue_depth', { queue: 'mail' }, 50)
    const created = await monitor.rules.create({ alert: 'Deep', expr: 'queue_depth > 10' })
    expect(created).toMatchObject({ name: 'Deep', version: 1 })
    await monitor.alerts.evaluate()
    expect(monitor.alerts.state().alerts).toEqual([
      expect.objectContaining({
        rule: 'Deep',
        state: 'firing',
        labels: expect.objectContaining({ queue: 'mail' }),
      }),
    ])
    const updated = await monitor.rules.update(
      'Deep',
      { alert: 'Deep', expr: 'queue_depth > 100' },
      { version: 1 },
    )
    expect(updated.version).toBe(2)
    await monitor.alerts.evaluate()
    expect(monitor.alerts.state().alerts.filter((a) => a.state === 'firing')).toEqual([])
    await monitor.rules.delete('Deep', { version: 2 })
    expect(await monitor.rules.get('Deep')).toBeUndefined()
    expect(monitor.alerts.state().rules.map((r) => r.name)).not.toContain('Deep')
    await monitor.close()
  })

  it('a stale version is MONITOR_CONFLICT and changes nothing', async () => {
    const { monitor } = await build()
    await monitor.rules.create({ alert: 'Deep', expr: 'queue_depth > 10' })
    await monitor.rules.update('Deep', { alert: 'Deep', expr: 'queue_depth > 20' }, { version: 1 })
    await expect(
      monitor.rules.update('Deep', { alert: 'Deep', expr: 'queue_depth > 30' }, { version: 1 }),
    ).rejects.toMatchObject({ code: 'MONITOR_CONFLICT' })
    await expect(monitor.rules.delete('Deep', { version: 1 })).rejects.toMatchObject({
      code: 'MONITOR_CONFLICT',
    })
    await expect(monitor.rules.create({ alert: 'Deep', expr: 'x' })).rejects.toMatchObject({
      code: 'MONITOR_CONFLICT',
    })
    expect(await monitor.rules.get('Deep')).toMatchObject({ version: 2, rule: { expr: 'queue_depth > 20' } })
    await monitor.close()
  })

  it('rules from code are read-only through the API; a rule renamed in an update is refused', async () => {
    const { monitor } = await build()
    monitor.alerts.addRule({ name: 'FromCode', expr: 'up == 0' })
    await expect(
      monitor.rules.update('FromCode', { alert: 'FromCode', expr: 'up == 1' }, { version: 1 }),
    ).rejects.toMatchObject({ code: 'MONITOR_RULE_READ_ONLY' })
    await expect(monitor.rules.delete('FromCode')).rejects.toMatchObject({ code: 'MONITOR_RULE_READ_ONLY' })
    await expect(monitor.rules.create({ alert: 'FromCode', expr: 'up == 1' })).rejects.toMatchObject({
      code: 'MONITOR_CONFLICT',
    })
    await monitor.rules.create({ alert: 'Api', expr: 'up == 0' })
    await expect(
      monitor.rules.update('Api', { alert: 'Other', expr: 'up == 0' }, { version: 1 }),
    ).rejects.toMatchObject({ code: 'MONITOR_INVALID_RULE' })
    await expect(
      monitor.rules.update('Nope', { alert: 'Nope', expr: 'x' }, { version: 1 }),
    ).rejects.toMatchObject({
      code: 'MONITOR_NOT_FOUND',
    })
    expect(monitor.alerts.state().rules.find((r) => r.name === 'FromCode')).toBeDefined()
    await monitor.close()
  })

  it('a store that cannot be read does not stop evaluation: the rules applied so far keep running', async () => {
    const store = createMemoryMonitorStore()
    const monitor = await createMonitor({ serviceName: 'svc', defaultMetrics: false, store })
    monitor.alerts.samples.set('up', {}, 0)
    await monitor.rules.create({ alert: 'Down', expr: 'up == 0' })
    store.rulesRevision = async () => {
      throw new Error('database is down')
    }
    await monitor.alerts.evaluate()
    expect(monitor.alerts.state().alerts).toEqual([
      expect.objectContaining({ rule: 'Down', state: 'firing' }),
    ])
    await monitor.close()
  })

  it('without a store, rules live in the process', async () => {
    const monitor = await createMonitor({ serviceName: 'svc', defaultMetrics: false })
    await monitor.rules.create({ record: 'job:up:sum', expr: 'sum(up)' })
    expect((await monitor.rules.list()).map((r) => r.name)).toEqual(['job:up:sum'])
    await monitor.close()
  })
})
