/**
 * Rule unit tests in promtool's format: the same files run through `promtool test rules`
 * (Prometheus' own engine) and through opskit's `testRules` and CLI must give the same verdicts,
 * and failing files the same failures (which alert or expression, at which time).
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli } from '../src/cli/run-cli.js'
import { testRules } from '../src/testing/index.js'

const FIXTURES = join(import.meta.dirname, 'fixtures', 'rule-tests')
const FILES = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.yml'))
  .sort()
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p))

/**
 * The `alertname: X, time: T` / `expr: "…", time: T` heads of the failures in a promtool-style
 * text, and whole `rule: X, time: T, err: …` lines (rules that failed to evaluate).
 */
function failureHeads(text: string): string[] {
  return [...text.matchAll(/^ {4}((?:alertname: .*?|expr: ".*?"), time: [^,\s]+|rule: .*)$/gm)]
    .map((m) => m[1] as string)
    .sort()
}

async function cli(...args: string[]) {
  let stdout = ''
  let stderr = ''
  const code = await runCli(args, {
    stdout: { write: (t: string) => (stdout += t) },
    stderr: { write: (t: string) => (stderr += t) },
  })
  return { code, stdout, stderr }
}

describe('testRules: promtool rule-test files', () => {
  it('has passing and failing fixtures (their names say which)', () => {
    expect(FILES.filter((f) => f.startsWith('pass-')).length).toBeGreaterThanOrEqual(2)
    expect(FILES.filter((f) => f.startsWith('fail-')).length).toBeGreaterThanOrEqual(5)
  })

  for (const file of FILES) {
    it(`${file}: opskit's verdict is the file name's`, async () => {
      const result = await testRules(join(FIXTURES, file))
      expect(result.passed, result.failures.join('\n')).toBe(file.startsWith('pass-'))
      if (!result.passed) expect(result.failures.length).toBeGreaterThan(0)
    })
  }

  it('reports the failures promtool reports, worded the same', async () => {
    const result = await testRules(join(FIXTURES, 'fail-alert-pending.yml'))
    expect(result.failures).toHaveLength(2)
    expect(result.failures[0]).toBe(
      [
        '    alertname: HighErrorRate, time: 9m, ',
        '        exp:[',
        '            0:',
        '              Labels:{alertname="HighErrorRate", job="api", severity="page"}',
        '              Annotations:{summary="api is failing"}',
        '            ], ',
        '        got:[]',
      ].join('\n'),
    )
    const exprs = await testRules(join(FIXTURES, 'fail-expr-value.yml'))
    expect(exprs.failures).toEqual([
      '    expr: "sum(queue_depth)", time: 8m,\n        exp: {} 1.99E+02\n        got: {} 2E+02',
      '    expr: "sum(queue_depth)", time: 9m,\n        exp: {} 2E+02\n        got: nil',
    ])
  })

  it('takes the test as an object, with inline rule groups', async () => {
    const test = {
      evaluation_interval: '1m',
      groups: [
        { name: 'g', rules: [{ alert: 'Down', expr: 'up == 0', for: '1m', labels: { severity: 'page' } }] },
      ],
      tests: [
        {
          interval: '1m',
          input_series: [{ series: 'up{job="a"}', values: '1 0 0' }],
          alert_rule_test: [
            { eval_time: '1m', alertname: 'Down', exp_alerts: [] },
            {
              eval_time: '2m',
              alertname: 'Down',
              exp_alerts: [{ exp_labels: { job: 'a', severity: 'page' } }],
            },
          ],
        },
      ],
    }
    expect(await testRules(test)).toMatchObject({ passed: true, failures: [] })
    const wrong = structuredClone(test)
    wrong.tests[0]?.alert_rule_test.pop()
    wrong.tests[0]?.alert_rule_test.push({
      eval_time: '1m',
      alertname: 'Down',
      exp_alerts: [{ exp_labels: { job: 'a', severity: 'page' } }],
    })
    expect((await testRules(wrong)).passed).toBe(false)
  })

  it('the CLI exits as promtool does: 0 when every file passes, 1 otherwise', async () => {
    const pass = await cli(
      'test',
      'rules',
      join(FIXTURES, 'pass-service.yml'),
      join(FIXTURES, 'pass-notation.yml'),
    )
    expect(pass.code).toBe(0)
    expect(pass.stdout).toContain('  SUCCESS')
    const fail = await cli(
      'test',
      'rules',
      join(FIXTURES, 'pass-service.yml'),
      join(FIXTURES, 'fail-expr-value.yml'),
    )
    expect(fail.code).toBe(1)
    expect(fail.stderr).toContain('  FAILED:')
    expect((await cli('test', 'rules')).code).toBe(1)
    expect((await cli('test', 'rules', join(FIXTURES, 'no-such-file.yml'))).code).toBe(1)
  })
})

describe.skipIf(!PROMTOOL)('the same files through promtool (Prometheus 2.42) and opskit', () => {
  if (!PROMTOOL)
    it.skip('promtool is not installed: install Debian’s prometheus package to run these', () => {})

  for (const file of FILES) {
    it(`${file}: same verdict, same failing alerts and expressions`, async () => {
      const promtool = spawnSync(PROMTOOL as string, ['test', 'rules', file], {
        cwd: FIXTURES,
        encoding: 'utf8',
      })
      const ours = await cli('test', 'rules', join(FIXTURES, file))
      expect(ours.code, `${promtool.stdout}${promtool.stderr}\n---\n${ours.stderr}`).toBe(promtool.status)
      expect(failureHeads(ours.stderr)).toEqual(failureHeads(promtool.stderr))
    })
  }

  // files whose every message opskit words as promtool does (the others differ in the wording of
  // parse errors or list more rule-file problems than promtool's first one)
  const WORDED_ALIKE = FILES.filter(
    (f) => f.startsWith('pass-') || /^fail-(alert|expr|group|unknown|missing)/.test(f),
  )
  for (const file of WORDED_ALIKE) {
    it(`${file}: the CLI prints what promtool prints, byte for byte`, async () => {
      const promtool = spawnSync(PROMTOOL as string, ['test', 'rules', file], {
        cwd: FIXTURES,
        encoding: 'utf8',
      })
      const ours = await cli('test', 'rules', join(FIXTURES, file))
      const relative = (text: string) => text.replaceAll(join(FIXTURES, file), file)
      expect(relative(ours.stdout)).toBe(promtool.stdout)
      expect(relative(ours.stderr)).toBe(promtool.stderr)
    })
  }
})
