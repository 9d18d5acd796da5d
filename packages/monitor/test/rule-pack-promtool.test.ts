/**
 * The default rule pack against Prometheus itself: its rule file passes `promtool check rules`,
 * reads back through `loadRules` unchanged, and one rule-test file that drives every rule's
 * condition (and a near miss beside it) passes both `promtool test rules` and opskit's engine
 * (`testRules`). Skipped with a message when promtool is not installed.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqlite } from '@opskit/core/sqlite'
import { tempSqlitePath } from '@opskit/test-support'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { stringify } from 'yaml'
import { type DefaultRule, defaultRules, loadRules } from '../src/index.js'
import { ruleFileText } from '../src/pack/rule-file-text.js'
import { testRules } from '../src/testing/index.js'
import { PROMTOOL, promtoolAvailable, runPromtool } from './helpers/promtool-replay.js'

const HAVE_PROMTOOL = promtoolAvailable()
if (!HAVE_PROMTOOL) console.warn('promtool not found: the rule pack is not checked against Prometheus')

const app = 'job="app",instance="a"'
const appLabels = { job: 'app', instance: 'a' }

/** Input series (promtool notation, 1m apart) and the firing alerts expected, per rule. */
const INPUT = [
  // ProcessRestarting: 3 changes by 4m (> 2), firing 1m later; instance b restarted twice only
  { series: `process_start_time_seconds{${app}}`, values: '100 100 200 300 400 400 400 400' },
  { series: 'process_start_time_seconds{job="app",instance="b"}', values: '100 200 300 300 300 300 300 300' },
  // InstanceDown: down from 2m, firing after 5m; instance b flaps back up
  { series: `up{${app}}`, values: '1 1 0 0 0 0 0 0 0 0' },
  { series: 'up{job="app",instance="b"}', values: '1 0 0 0 1 0 0 0 1 1' },
  // EventLoopLagHigh: 0.5 s from 1m, firing at 3m; 0.2 s (not above) never
  { series: `nodejs_eventloop_lag_p99_seconds{${app}}`, values: '0.01 0.5 0.5 0.5 0.5 0.5' },
  { series: 'nodejs_eventloop_lag_p99_seconds{job="app",instance="b"}', values: '0.2x6' },
  // HeapUsageHigh: 95% of the limit (a) vs exactly 90% (b)
  { series: `nodejs_heap_size_used_bytes{${app}}`, values: '950x8' },
  { series: `nodejs_heap_size_limit_bytes{${app}}`, values: '1000x8' },
  { series: 'nodejs_heap_size_used_bytes{job="app",instance="b"}', values: '900x8' },
  { series: 'nodejs_heap_size_limit_bytes{job="app",instance="b"}', values: '1000x8' },
  // HttpErrorRatioHigh: a quarter of app's requests are 5xx; job "quiet" has 50% but 10 requests in 5m
  {
    series: 'http_server_requests_total{job="app",method="GET",route="/x",status_class="5xx"}',
    values: '0+15x12',
  },
  {
    series: 'http_server_requests_total{job="app",method="GET",route="/x",status_class="2xx"}',
    values: '0+45x12',
  },
  {
    series: 'http_server_requests_total{job="quiet",method="GET",route="/x",status_class="5xx"}',
    values: '0+1x12',
  },
  {
    series: 'http_server_requests_total{job="quiet",method="GET",route="/x",status_class="2xx"}',
    values: '0+1x12',
  },
  // HttpLatencyBudgetBurn: half of app's requests are over 0.5 s; job "fast" has 0.5% slow (< 14.4 × 1%)
  { series: 'http_server_request_duration_seconds_bucket{job="app",le="0.5"}', values: '0+30x12' },
  { series: 'http_server_request_duration_seconds_count{job="app"}', values: '0+60x12' },
  { series: 'http_server_request_duration_seconds_bucket{job="fast",le="0.5"}', values: '0+995x12' },
  { series: 'http_server_request_duration_seconds_count{job="fast"}', values: '0+1000x12' },
  // DatabasePoolSaturated: 3 waiting from 1m (main) vs none (replica)
  { series: `opskit_db_pool_waiting_requests{${app},pool="main"}`, values: '0 3 3 3 3 3' },
  { series: `opskit_db_pool_waiting_requests{${app},pool="replica"}`, values: '0x5' },
  // SqliteConnectionContended: 2 s waits from 1m
  { series: `opskit_sqlite_connection_wait_seconds{${app},database="app"}`, values: '0 2 2 2 2' },
  // DiskSpaceLow: 5% free on the configured path; node_exporter's own series (no path) are not ours
  { series: `node_filesystem_avail_bytes{${app},path="/data"}`, values: '50x8' },
  { series: `node_filesystem_size_bytes{${app},path="/data"}`, values: '1000x8' },
  { series: 'node_filesystem_avail_bytes{job="node",mountpoint="/"}', values: '1x8' },
  { series: 'node_filesystem_size_bytes{job="node",mountpoint="/"}', values: '1000x8' },
]

function annotationsOf(rule: DefaultRule, labels: Record<string, string>, value: string) {
  const fill = (text: string) =>
    text
      .replace(/\{\{ \$value \}\}/g, value)
      .replace(/\{\{ \$labels\.(\w+) \}\}/g, (_m, n: string) => labels[n] ?? '')
  return { summary: fill(rule.annotations.summary), description: fill(rule.annotations.description) }
}

/** The alert tests: for each rule, nothing firing just before `for` has passed, then exactly the expected alert. */
function alertTests(rules: DefaultRule[]) {
  const byName = new Map(rules.map((r) => [r.name, r]))
  const cases: Array<[string, string, string, Record<string, string>, string]> = [
    // rule, eval time without the alert, eval time with it, its labels, its $value
    ['ProcessRestarting', '4m', '5m', appLabels, '3'],
    ['InstanceDown', '6m', '7m', appLabels, '0'],
    ['EventLoopLagHigh', '2m', '3m', appLabels, '0.5'],
    ['HeapUsageHigh', '4m', '5m', appLabels, '0.95'],
    ['HttpErrorRatioHigh', '5m', '6m', { job: 'app' }, '0.25'],
    ['HttpLatencyBudgetBurn', '2m', '3m', { job: 'app' }, '0.5'],
    ['DatabasePoolSaturated', '2m', '3m', { ...appLabels, pool: 'main' }, '3'],
    ['SqliteConnectionContended', '2m', '3m', { ...appLabels, database: 'app' }, '2'],
    ['DiskSpaceLow', '4m', '5m', { ...appLabels, path: '/data' }, '0.05'],
  ]
  return cases.flatMap(([name, before, at, labels, value]) => {
    const rule = byName.get(name as DefaultRule['name']) as DefaultRule
    return [
      { eval_time: before, alertname: name, exp_alerts: [] },
      {
        eval_time: at,
        alertname: name,
        exp_alerts: [
          { exp_labels: { ...labels, ...rule.labels }, exp_annotations: annotationsOf(rule, labels, value) },
        ],
      },
    ]
  })
}

describe.skipIf(!HAVE_PROMTOOL)('default rule pack: the same verdicts from promtool and opskit', () => {
  let dir = ''
  let rules: DefaultRule[] = []
  const sqlite = tempSqlitePath()
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'opskit-pack-'))
    const db = openSqlite(sqlite.path)
    rules = defaultRules({
      diskPaths: ['/data'],
      pools: { main: { totalCount: 0, idleCount: 0, waitingCount: 0 } },
      sqlite: { app: db },
      labels: { team: 'ops' },
    })
    await db.destroy()
    writeFileSync(join(dir, 'pack.yml'), ruleFileText(rules))
    writeFileSync(
      join(dir, 'pack.test.yml'),
      stringify({
        rule_files: ['pack.yml'],
        evaluation_interval: '1m',
        tests: [{ interval: '1m', input_series: INPUT, alert_rule_test: alertTests(rules) }],
      }),
    )
  })
  afterAll(() => {
    rmSync(dir, { recursive: true, force: true })
    sqlite.cleanup()
  })

  it('has all nine rules, each with for, severity, summary and description', () => {
    expect(rules.map((r) => r.name).sort()).toEqual(
      [
        'DatabasePoolSaturated',
        'DiskSpaceLow',
        'EventLoopLagHigh',
        'HeapUsageHigh',
        'HttpErrorRatioHigh',
        'HttpLatencyBudgetBurn',
        'InstanceDown',
        'ProcessRestarting',
        'SqliteConnectionContended',
      ].sort(),
    )
    for (const r of rules) {
      expect(r.for).toMatch(/^\d+[smh]$/)
      expect(['critical', 'warning']).toContain(r.labels.severity)
      expect(r.labels.team).toBe('ops')
      expect(r.annotations.summary.length).toBeGreaterThan(10)
      expect(r.annotations.description.length).toBeGreaterThan(80)
    }
  })

  it('passes promtool check rules', () => {
    const run = spawnSync(PROMTOOL as string, ['check', 'rules', join(dir, 'pack.yml')], { encoding: 'utf8' })
    expect(`${run.stdout}${run.stderr}`).toContain(`SUCCESS: ${rules.length} rules found`)
    expect(run.status).toBe(0)
  })

  it('reads back through loadRules as the same rules', () => {
    const [group] = loadRules(ruleFileText(rules))
    expect(group?.rules.map((r) => ('name' in r ? [r.name, r.expr, r.labels, r.annotations] : []))).toEqual(
      rules.map((r) => [r.name, r.expr, r.labels, r.annotations]),
    )
  })

  it('fires each rule when its condition holds for its for (promtool test rules)', () => {
    const result = runPromtool(join(dir, 'pack.test.yml'))
    expect(result.output).toContain('SUCCESS')
    expect(result.code).toBe(0)
  })

  it("fires each rule the same way on opskit's engine (testRules)", async () => {
    const result = await testRules(join(dir, 'pack.test.yml'))
    expect(result.failures).toEqual([])
    expect(result.passed).toBe(true)
  })
})
