import { describe, expect, it } from 'vitest'
import { testRules } from '../src/testing/index.js'
import { expandValues, parseSeriesLabels } from '../src/testing/rule-tests/series-notation.js'

const values = (notation: string) =>
  expandValues(notation).map((s) => (s.kind === 'value' ? s.value : s.kind === 'stale' ? 'stale' : '_'))

describe("promtool's expanding series notation", () => {
  it('expands a+bxN, a-bxN, axN, _, _xN, stale, Inf and NaN as promql does', () => {
    expect(values('1+2x3')).toEqual([1, 3, 5, 7])
    expect(values('10-3x2 -1x1 +4')).toEqual([10, 7, 4, -1, -1, 4])
    expect(values('_ _x2 stale 0.5 1e3')).toEqual(['_', '_', '_', 'stale', 0.5, 1000])
    expect(values('Inf -Inf')).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY])
    expect(Number.isNaN(values('NaN')[0])).toBe(true)
    // accumulated in float64 step by step, as Prometheus adds the increment
    expect(values('0+0.1x3')).toEqual([0, 0.1, 0.2, 0.30000000000000004])
  })

  it('rejects what the series parser rejects', () => {
    for (const bad of ['three', '1+2', '1x', 'stalex2', '1++2x3'])
      expect(() => expandValues(bad), bad).toThrow(/series values/)
  })

  it('reads series names with labels', () => {
    expect(parseSeriesLabels('up{job="api", instance="a:9090"}')).toEqual({
      name: 'up',
      labels: { job: 'api', instance: 'a:9090' },
    })
    expect(parseSeriesLabels('{__name__="x", a="b"}')).toEqual({ name: 'x', labels: { a: 'b' } })
    expect(parseSeriesLabels('{a="b"}')).toEqual({ name: '', labels: { a: 'b' } })
    expect(() => parseSeriesLabels('up{job=~"a.*"}')).toThrow(/only = matchers/)
  })

  it('a huge repetition is a failure of the test file, not an exhausted heap (attack test)', async () => {
    // before the cap, `1x100000000000` expanded step by step until the process ran out of memory
    const result = await testRules({
      tests: [{ interval: '1m', input_series: [{ series: 'x', values: '1x100000000000' }] }],
    })
    expect(result.passed).toBe(false)
    expect(result.failures.join('\n')).toMatch(/more than 10,000,000 steps/)
    expect(() => expandValues('_x100000000000')).toThrow(/too long/)
  })
})
