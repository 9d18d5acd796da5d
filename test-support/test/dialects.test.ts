import { afterAll, describe, expect, it, type RunnerTestSuite } from 'vitest'
import { forEachDialect } from '../src/index.js'

// The matrix as `OPSKIT_DIALECTS=sqlite` declares it (the variable is read while suites are
// collected, so setting it around the call is enough).
const ran: string[] = []
const saved = process.env.OPSKIT_DIALECTS
process.env.OPSKIT_DIALECTS = 'sqlite'
try {
  forEachDialect('sqlite-only matrix', ({ dialect }) => {
    it('runs', () => {
      ran.push(dialect)
    })
  })
} finally {
  if (saved === undefined) delete process.env.OPSKIT_DIALECTS
  else process.env.OPSKIT_DIALECTS = saved
}

describe('OPSKIT_DIALECTS=sqlite', () => {
  afterAll(() => {
    expect(ran).toEqual(['sqlite'])
  })

  it('reports the PostgreSQL suite as skipped instead of dropping it', ({ task }) => {
    const suites = (task.file.tasks as RunnerTestSuite[]).filter((t) =>
      t.name.startsWith('sqlite-only matrix'),
    )
    expect(suites.map((s) => [s.name, s.mode])).toEqual([
      ['sqlite-only matrix [sqlite]', 'run'],
      ['sqlite-only matrix [postgres]', 'skip'],
    ])
  })
})
