import { readdirSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { opskitFailures, PROMTOOL, promtoolAvailable, runPromtool } from './helpers/promtool-replay.js'

/**
 * Each file under fixtures/promtool is a `promtool test rules` file whose expectations are
 * Prometheus' own answers: promtool must pass it (when installed), and opskit must give the
 * same answers. Files named `*-rules.yml` are rule files the tests load.
 */
const DIR = join(import.meta.dirname, 'fixtures/promtool')
const FILES = readdirSync(DIR).filter((f) => f.endsWith('.yml') && !f.endsWith('-rules.yml'))
const HAVE_PROMTOOL = promtoolAvailable()
if (!HAVE_PROMTOOL)
  console.warn('promtool not found: fixtures checked against opskit only (install Debian prometheus)')

describe('rule language against promtool fixtures', () => {
  for (const file of FILES) {
    it(`${file}: opskit gives promtool's answers`, async () => {
      expect(await opskitFailures(join(DIR, file))).toEqual([])
    })
    it.skipIf(!HAVE_PROMTOOL)(`${file}: promtool (${PROMTOOL}) passes the file`, () => {
      const run = runPromtool(join(DIR, file))
      expect(run.output).toContain('SUCCESS')
      expect(run.code).toBe(0)
    })
  }
})
