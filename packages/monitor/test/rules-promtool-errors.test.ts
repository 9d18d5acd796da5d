import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseExpr } from '../src/index.js'
import { opskitFailures, promtoolAvailable, runPromtool } from './helpers/promtool-replay.js'

/** Fixtures whose promtool answer is an error, or a documented 2.42-vs-3.x difference. */
const DIR = join(import.meta.dirname, 'fixtures/promtool/special')
const HAVE_PROMTOOL = promtoolAvailable()

describe('parse errors and version differences, against promtool', () => {
  it('`3 > 2` is a parse error (comparisons between scalars need bool), as promtool says', () => {
    expect(() => parseExpr('3 > 2')).toThrow(/comparisons between scalars must use the bool modifier/)
    expect(() => parseExpr('(1 + 2) == 3')).toThrow(/comparisons between scalars/)
    expect(parseExpr('3 > bool 2')).toMatchObject({ type: 'binary', returnBool: true })
    expect(parseExpr('-x > 2')).toMatchObject({ type: 'binary' })
    if (HAVE_PROMTOOL)
      expect(runPromtool(join(DIR, 'parse-error-scalar-comparison.yml')).output).toContain(
        'comparisons between scalars must use BOOL modifier',
      )
  })

  it('durations follow Prometheus: units largest first, no fractions', () => {
    expect(() => parseExpr('rate(x[1.5m])')).toThrow(/"1.5m" is not a duration/)
    expect(() => parseExpr('rate(x[5m1h])')).toThrow(/"5m1h" is not a duration/)
    expect(parseExpr('rate(x[1h30m])')).toMatchObject({ selector: { rangeMs: 5_400_000 } })
    expect(parseExpr('x offset 1m30s')).toMatchObject({ offsetMs: 90_000 })
    if (!HAVE_PROMTOOL) return
    const { output } = runPromtool(join(DIR, 'parse-error-durations.yml'))
    expect(output).toContain('not a valid duration string: "1.5m"')
    expect(output).toContain('not a valid duration string: "5m1h"')
    expect(output.match(/err:/g)?.length).toBe(2)
  })

  it('one-to-one matching is checked before a comparison filters (Prometheus >= 3.9); 2.42 answered after', async () => {
    const [failure] = await opskitFailures(join(DIR, 'version-difference-filter-match.yml'))
    expect(failure).toMatch(
      /got\n\[opskit\/monitor\] multiple matches on the left side: many-to-one matching must be explicit/,
    )
    // the `bool` form keeps every pair: the same error in opskit and in every Prometheus version
    const [withBool] = await opskitFailures(join(DIR, 'version-difference-filter-match-bool.yml'))
    expect(withBool).toMatch(/multiple matches on the left side/)
    if (!HAVE_PROMTOOL) return
    expect(runPromtool(join(DIR, 'version-difference-filter-match.yml')).output).toContain('SUCCESS')
    expect(runPromtool(join(DIR, 'version-difference-filter-match-bool.yml')).output).toContain(
      'multiple matches for labels: many-to-one matching must be explicit',
    )
  })
})
