import { createFakeClock } from '@opskit/core/testing'
import { describe, expect, it } from 'vitest'
import { createPushSampleSource, createRuleEngine, createSilences } from '../src/index.js'

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
