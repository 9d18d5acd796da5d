import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { isOpskitError } from '@opskit/core'
import { createFakeClock } from '@opskit/core/testing'
import { describe, expect, it } from 'vitest'
import { createSilences, parseMatcher } from '../src/alerting/index.js'
import { createPushSampleSource, createRuleEngine, parseExpr } from '../src/index.js'
import { promtoolAvailable, runPromtool } from './helpers/promtool-replay.js'

const T0 = Date.UTC(2026, 0, 1)
/** `(.|.)*x` against 25 `a`s: over a second of backtracking in `RegExp`, microseconds in RE2. */
const EVIL = '(.|.)*x'
const VICTIM = 'a'.repeat(25)
/** Far below the attack's cost, far above RE2's (compiling included, on a busy machine). */
const BUDGET_MS = 250

function timed(run: () => unknown): number {
  const started = performance.now()
  run()
  return performance.now() - started
}

describe('regex matchers run in linear time (RE2 semantics, issue 16 item 10)', () => {
  it('a rule selector with a catastrophic pattern costs microseconds per series', async () => {
    const source = createPushSampleSource()
    source.set('up', { path: VICTIM }, 1)
    const engine = createRuleEngine({ source, clock: createFakeClock(T0), sink: () => undefined })
    engine.addRule({ name: 'Evil', expr: `up{path=~"${EVIL}"}` })
    const started = performance.now()
    await engine.evaluate(T0)
    expect(performance.now() - started).toBeLessThan(BUDGET_MS)
    expect(engine.instances()).toHaveLength(0)
  })

  it('a silence matcher with a catastrophic pattern costs microseconds per alert', () => {
    const silences = createSilences(createFakeClock(T0))
    silences.create({
      matchers: [`path=~"${EVIL}"`],
      startsAt: T0,
      endsAt: T0 + 3_600_000,
      createdBy: 'attacker',
      comment: 'redos',
    })
    expect(timed(() => silences.mutedBy({ alertname: 'A', path: VICTIM }))).toBeLessThan(BUDGET_MS)
  })

  it('a datasource-style instant query with a catastrophic pattern returns quickly', async () => {
    const source = createPushSampleSource()
    source.set('up', { path: VICTIM }, 1)
    const engine = createRuleEngine({ source, clock: createFakeClock(T0), sink: () => undefined })
    await engine.evaluate(T0)
    expect(timed(() => engine.query(`up{path=~"${EVIL}"}`))).toBeLessThan(BUDGET_MS)
  })
})

/** Patterns Go's RE2 refuses (backreferences, lookarounds, \\C, bad ranges and repeats). */
const NOT_RE2 = ['(?=a)', '(?!a)', '(?<=a)b', '\\1', '(a)\\1', 'a{1001}', '\\C', '[z-a]', '(a', 'a**', 'x++']

describe('RE2 syntax, as Go reads it', () => {
  it('refuses what Go RE2 refuses, as promtool does', () => {
    for (const pattern of NOT_RE2) {
      let error: unknown
      try {
        parseExpr(`up{path=~${JSON.stringify(pattern)}}`)
      } catch (e) {
        error = e
      }
      expect(isOpskitError(error, 'MONITOR_INVALID_EXPRESSION'), pattern).toBe(true)
      expect(
        () => parseMatcher(`path=~${JSON.stringify(pattern)}`, 'MONITOR_INVALID_SILENCE'),
        pattern,
      ).toThrow(/invalid regular expression/)
    }
    if (!promtoolAvailable()) return
    const dir = mkdtempSync(join(tmpdir(), 'opskit-re2-'))
    try {
      const tests = NOT_RE2.map(
        (pattern) =>
          `      - expr: ${JSON.stringify(`up{path=~${JSON.stringify(pattern)}}`)}\n        eval_time: 0m\n        exp_samples: []`,
      )
      const file = join(dir, 'not-re2.yml')
      writeFileSync(
        file,
        `rule_files: []\ntests:\n  - interval: 1m\n    input_series: []\n    promql_expr_test:\n${tests.join('\n')}\n`,
      )
      const { output } = runPromtool(file)
      expect(output.match(/error parsing regexp/g)?.length).toBe(NOT_RE2.length)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('rules anchor as Prometheus 3 (`.` matches a newline), silences as Alertmanager', () => {
    const rule = parseExpr('up{v=~"a.b"}')
    expect(rule.type === 'selector' && rule.matchers[0]?.regex?.matches('a\nb')).toBe(true)
    expect(rule.type === 'selector' && rule.matchers[0]?.regex?.matches('xa.b')).toBe(false)
    const silence = parseMatcher('v=~"a.b"')
    expect(silence.regex?.matches('a\nb')).toBe(false)
    expect(silence.regex?.matches('a.b')).toBe(true)
    expect(silence.regex?.matches('a.bc')).toBe(false)
  })
})
