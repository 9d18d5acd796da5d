// @opskit/monitor: rule unit tests in promtool's format — `opskit-monitor test rules` (testRules on
// opskit's engine) vs `promtool test rules` on the same generated 1,000-line test file and rule
// file, each a whole process (start-up included), alternating, 5 runs each. Both must pass.
// Needs a built @opskit/monitor (dist/cli.js) and promtool (Debian's prometheus package).
// Run: cd bench && node --import tsx monitor-rule-tests.bench.ts
import { spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { alternate, printRows, spread, timed } from './lib/compare.js'

const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p))
const CLI = join(import.meta.dirname, '..', 'packages', 'monitor', 'bin', 'opskit-monitor.js')
const RULES = 20
const INSTANCES = 5
const MINUTES = 60
const EVAL_TIMES = [5, 25, 45, 59]

/** Rule `i`: `m_i > 20 + i` for 2m; series `m_i{instance="j"}` is `10j + t` at minute t. */
function ruleFile(): string {
  const lines = ['groups:', '  - name: bench', '    rules:']
  for (let i = 0; i < RULES; i++) {
    lines.push(`      - record: job:m_${i}:sum`, `        expr: sum(m_${i})`)
    lines.push(`      - alert: Over_${i}`, `        expr: m_${i} > ${20 + i}`, '        for: 2m')
    lines.push('        labels:', '          severity: warn')
  }
  return `${lines.join('\n')}\n`
}

/** The instances of rule `i` firing at minute `t`: active since the first minute over the threshold, 2m ago. */
function firing(i: number, t: number): number[] {
  const out: number[] = []
  for (let j = 0; j < INSTANCES; j++) {
    const since = Math.max(0, 21 + i - 10 * j)
    if (t >= since + 2) out.push(j)
  }
  return out
}

function testFile(): string {
  const lines = [
    'rule_files: [rules.yml]',
    'evaluation_interval: 1m',
    'tests:',
    '  - interval: 1m',
    '    input_series:',
  ]
  for (let i = 0; i < RULES; i++)
    for (let j = 0; j < INSTANCES; j++)
      lines.push(`      - series: 'm_${i}{instance="${j}"}'`, `        values: '${10 * j}+1x${MINUTES - 1}'`)
  lines.push('    alert_rule_test:')
  for (let i = 0; i < RULES; i++)
    for (const t of EVAL_TIMES) {
      const alerts = firing(i, t)
      lines.push(
        `      - eval_time: ${t}m`,
        `        alertname: Over_${i}`,
        `        exp_alerts:${alerts.length ? '' : ' []'}`,
      )
      for (const j of alerts) lines.push(`          - exp_labels: { instance: "${j}", severity: warn }`)
    }
  lines.push('    promql_expr_test:')
  for (let i = 0; i < RULES; i++)
    for (const t of [10, 30, 50]) {
      const sum = INSTANCES * t + 10 * ((INSTANCES * (INSTANCES - 1)) / 2)
      lines.push(`      - expr: sum(job:m_${i}:sum)`, `        eval_time: ${t}m`, '        exp_samples:')
      lines.push(`          - labels: '{}'`, `            value: ${sum}`)
    }
  return `${lines.join('\n')}\n`
}

if (!PROMTOOL) {
  console.log('\n## @opskit/monitor: rule unit tests\n\nskipped: promtool is not installed')
} else if (!existsSync(join(CLI, '..', '..', 'dist', 'cli.js'))) {
  console.log('\n## @opskit/monitor: rule unit tests\n\nskipped: build @opskit/monitor first (dist/cli.js)')
} else {
  const dir = mkdtempSync(join(tmpdir(), 'opskit-rule-tests-'))
  const test = testFile()
  writeFileSync(join(dir, 'rules.yml'), ruleFile())
  writeFileSync(join(dir, 'rules.test.yml'), test)
  const lineCount = test.split('\n').length - 1
  const run = (command: string, args: string[]) => () =>
    timed(() => {
      const result = spawnSync(command, [...args, 'test', 'rules', 'rules.test.yml'], {
        cwd: dir,
        encoding: 'utf8',
      })
      if (result.status !== 0) throw new Error(`${command} failed:\n${result.stdout}${result.stderr}`)
    })
  const results = await alternate(
    { ours: run(process.execPath, [CLI]), promtool: run(PROMTOOL, []) },
    { runs: 5 },
  )
  rmSync(dir, { recursive: true, force: true })
  printRows('@opskit/monitor: rule unit tests', [
    {
      case: `test rules on a ${lineCount}-line test file (${RULES * INSTANCES} series × ${MINUTES} samples, ${RULES * 2} rules, ${RULES * EVAL_TIMES.length} alert tests, ${RULES * 3} expression tests): opskit-monitor vs promtool, whole process each`,
      ours: spread(results.ours.map((s) => s * 1000)),
      baseline: spread(results.promtool.map((s) => s * 1000)),
      unit: 'ms',
      higherIsBetter: false,
    },
  ])
}
