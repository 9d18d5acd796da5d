/**
 * `loadRules` reads Prometheus rule files unchanged and rejects what Prometheus rejects: every
 * file of fixtures/rule-files goes through `promtool check rules` and through `loadRules`, with
 * the same verdict and, where promtool gives a position, the same lines.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isOpskitError } from '@opskit/core'
import { createFakeClock } from '@opskit/core/testing'
import { describe, expect, it } from 'vitest'
import { addRuleGroups, createRuleEngine, loadRules, type RuleFileProblem } from '../src/index.js'

const FIXTURES = join(import.meta.dirname, 'fixtures', 'rule-files')
const FILES = readdirSync(FIXTURES)
  .filter((f) => f.endsWith('.yml'))
  .sort()
const PROMTOOL = ['/usr/bin/promtool', '/usr/local/bin/promtool'].find((p) => existsSync(p))

/** The problems `loadRules` finds in a file (none when it loads). */
function problems(file: string): RuleFileProblem[] {
  try {
    loadRules(readFileSync(join(FIXTURES, file), 'utf8'), { filename: file })
    return []
  } catch (error) {
    if (!isOpskitError(error, 'MONITOR_INVALID_RULE')) throw error
    return (error.details as { problems: RuleFileProblem[] }).problems
  }
}

describe('loadRules: Prometheus rule files', () => {
  for (const file of FILES) {
    it(`${file}: ${file.startsWith('good-') ? 'loads' : 'is rejected with line and column'}`, () => {
      const found = problems(file)
      if (file.startsWith('good-')) expect(found).toEqual([])
      else {
        expect(found.length).toBeGreaterThan(0)
        for (const p of found) expect(p.message).not.toBe('')
      }
    })
  }

  it('reads groups, intervals, limits, for, keep_firing_for, labels, annotations and recording rules', () => {
    const groups = loadRules(readFileSync(join(FIXTURES, 'good-service.yml'), 'utf8'))
    expect(groups).toEqual([
      {
        name: 'api',
        intervalMs: 30_000,
        limit: 10,
        rules: [
          {
            id: 'api/1',
            record: 'job:errors:rate5m',
            expr: 'sum by (job) (rate(errors_total[5m]))',
            labels: { team: 'ops' },
          },
          {
            id: 'api/2',
            name: 'High Error Rate',
            expr: 'job:errors:rate5m > 0.5',
            for: 300_000,
            keepFiringFor: 600_000,
            labels: { severity: 'page' },
            annotations: { summary: '{{ $labels.job }} errors at {{ $value }}' },
          },
          {
            id: 'api/3',
            name: 'High Error Rate',
            expr: 'job:errors:rate5m > 1',
            labels: { severity: 'critical' },
          },
        ],
      },
    ])
  })

  it('gives each problem its place in the file', () => {
    expect(problems('bad-expression.yml')).toEqual([
      expect.objectContaining({
        line: 5,
        column: 15,
        message: expect.stringContaining('group "api", rule 1, "A": could not parse expression'),
      }),
    ])
    expect(problems('bad-unknown-field.yml')).toEqual([
      { line: 6, column: 9, message: 'field fore not found in type rulefmt.RuleNode' },
    ])
    expect(problems('bad-repeated-group.yml')).toEqual([
      { line: 4, column: 5, message: 'groupname: "api" is repeated in the same file' },
    ])
  })

  it('adds loaded groups to an engine: several alerts of one name, recording rules first', async () => {
    const engine = createRuleEngine({
      source: { collect: () => [] },
      clock: createFakeClock(0),
      sink: () => undefined,
    })
    addRuleGroups(engine, loadRules(readFileSync(join(FIXTURES, 'good-service.yml'), 'utf8')))
    engine.append([
      { name: 'errors_total', labels: { job: 'a' }, value: 0, timestamp: 0 },
      { name: 'errors_total', labels: { job: 'a' }, value: 600, timestamp: 60_000 },
    ])
    await engine.evaluate(60_000)
    expect(engine.rules().map((r) => r.name)).toEqual([
      'job:errors:rate5m',
      'High Error Rate',
      'High Error Rate',
    ])
    // 600 in the 5m window, not extrapolated below the counter's zero: rate 2/s, over both thresholds
    expect(engine.instances().map((i) => [i.rule, i.labels.severity, i.state])).toEqual([
      ['api/2', 'page', 'pending'],
      ['api/3', 'critical', 'firing'],
    ])
  })
})

describe.skipIf(!PROMTOOL)('the same rule files through promtool check rules', () => {
  it("the example service's Prometheus rules file: promtool accepts it, loadRules loads the same rules", () => {
    const file = join(
      import.meta.dirname,
      '..',
      '..',
      '..',
      'examples',
      'ticketing-service',
      'ops',
      'prometheus-rules.yml',
    )
    const run = spawnSync(PROMTOOL as string, ['check', 'rules', file], { encoding: 'utf8' })
    expect(run.status, run.stderr).toBe(0)
    const found = Number(/SUCCESS: (\d+) rules found/.exec(run.stdout)?.[1])
    const groups = loadRules(readFileSync(file, 'utf8'), { filename: file })
    expect(groups.flatMap((g) => g.rules)).toHaveLength(found)
  })

  for (const file of FILES) {
    it(`${file}: same verdict, same lines`, () => {
      const run = spawnSync(PROMTOOL as string, ['check', 'rules', file], { cwd: FIXTURES, encoding: 'utf8' })
      const found = problems(file)
      expect(found.length === 0, run.stderr).toBe(run.status === 0)
      // lines of the problems promtool places (`file: 5:15: …`); YAML syntax errors are placed
      // differently by the two YAML parsers and are left out
      const placed = [...run.stderr.matchAll(/^\S+: (\d+):\d+: /gm)]
        .map((m) => Number(m[1]))
        .filter((l) => l > 0)
      const ours = found.filter((p) => !p.message.startsWith('yaml:')).map((p) => p.line)
      for (const line of placed) expect(ours, run.stderr).toContain(line)
    })
  }
})
