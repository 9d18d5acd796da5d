import { execFileSync } from 'node:child_process'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

// What a host loads by importing @opskit/reports, checked in a child process against the built
// dist/ (as a host loads it; `npm test` builds first): a run that renders CSV or XLSX must not
// pay for the PDF library, exceljs, a database driver it did not choose, or the HTTP stack
// (http, https, tls, dns: core's outbound client loads them at its first request).

const packageDir = join(import.meta.dirname, '..')

/** Node builtins that no entry of @opskit/reports may load at import. */
const REFUSED_BUILTINS = ['http', 'https', 'tls', 'dns', 'dns/promises', '_http_client', '_tls_wrap']
/** Packages that no entry of @opskit/reports may load at import. */
const REFUSED_PACKAGES = ['pdfkit', 'exceljs', 'pg', 'better-sqlite3']

interface Loaded {
  builtins: string[]
  packages: string[]
}

/**
 * Loads `specifiers` by `mode` in a fresh node process and returns the public builtins and the
 * CommonJS packages it loaded on the way (`process.moduleLoadList`, `require.cache`; an ES
 * module importing a CommonJS package lands in `require.cache` too).
 */
function loadedBy(mode: 'import' | 'require', specifiers: readonly string[]): Loaded {
  const load = mode === 'import' ? 'await import(s)' : 'req(s)'
  const script = `
    const { createRequire } = await import('node:module')
    const req = createRequire(process.cwd() + '/')
    const before = new Set(process.moduleLoadList)
    for (const s of ${JSON.stringify(specifiers)}) ${load}
    const builtins = process.moduleLoadList
      .filter((m) => !before.has(m) && m.startsWith('NativeModule ') && !m.includes('internal/'))
      .map((m) => m.slice('NativeModule '.length))
    const packages = [...new Set(Object.keys(req.cache)
      .map((file) => /node_modules\\/((?:@[^/]+\\/)?[^/]+)\\//.exec(file)?.[1])
      .filter(Boolean))]
    console.log(JSON.stringify({ builtins, packages }))`
  const output = execFileSync(process.execPath, ['--input-type', 'module', '-e', script], {
    cwd: packageDir,
    encoding: 'utf8',
  })
  return JSON.parse(output.trim().split('\n').pop() ?? '{}') as Loaded
}

describe('import footprint of @opskit/reports', () => {
  it('the probe sees what it must refuse (https and pdfkit loaded on purpose)', () => {
    const loaded = loadedBy('import', ['node:https', 'pdfkit'])
    expect(loaded.builtins).toEqual(expect.arrayContaining(['https', 'tls']))
    expect(loaded.packages).toContain('pdfkit')
  })

  describe.each(['import', 'require'] as const)('%s', (mode) => {
    it.each(
      [
        ['@opskit/reports'],
        ['@opskit/reports', '@opskit/reports/xlsx'],
        ['@opskit/reports', '@opskit/reports/pdf'],
      ].map((specifiers) => [specifiers.join(' + '), specifiers] as const),
    )('%s loads no PDF or spreadsheet library, database driver or HTTP stack', (_name, specifiers) => {
      const loaded = loadedBy(mode, specifiers)
      expect(loaded.builtins.filter((name) => REFUSED_BUILTINS.includes(name))).toEqual([])
      expect(loaded.packages.filter((name) => REFUSED_PACKAGES.includes(name))).toEqual([])
    })
  })
})
