// Every subpath of package.json `exports` resolves through the package name, as a host's
// `import` and `require` would (Node's own resolver, in a child process, against the built
// dist/), and gives the names its entry documents. Needs a build (`npm test` builds first).
import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')
const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as {
  name: string
  exports: Record<string, unknown>
}

/** A name each entry must export, and names the root must not (examples and test helpers). */
const EXPECTED: Record<string, string[]> = {
  '.': ['createReports', 'defineReport', 'createKyselyReportsStore', 'ReportsError', 'createCsvRenderer'],
  './examples': [
    'builtinReports',
    'migrateExampleSchema',
    'exampleSchemaMigrations',
    'createAuditComplianceReport',
    'periodParams',
  ],
  './testing': ['createMemoryReportsStore', 'runReportsStoreConformance', 'seedExampleData'],
  './xlsx': ['createXlsxRenderer'],
  './pdf': ['createPdfRenderer'],
}
const NOT_AT_ROOT = [
  'builtinReports',
  'migrateExampleSchema',
  'createAuditComplianceReport',
  'createMemoryReportsStore',
  'isOpskitReportError',
]

/** The export names of `specifier` loaded by `mode` in a child node process run in the package folder. */
function exportNames(specifier: string, mode: 'import' | 'require'): string[] {
  const script =
    mode === 'import'
      ? `import(${JSON.stringify(specifier)}).then((m) => console.log(JSON.stringify(Object.keys(m))))`
      : `console.log(JSON.stringify(Object.keys(require(${JSON.stringify(specifier)}))))`
  const args =
    mode === 'import' ? ['--input-type=module', '-e', script] : ['--input-type=commonjs', '-e', script]
  return JSON.parse(execFileSync(process.execPath, args, { cwd: root, encoding: 'utf8' })) as string[]
}

describe('package exports', () => {
  const subpaths = Object.keys(pkg.exports).filter((s) => s !== './package.json')

  it('declares every entry this test knows, each with import and require conditions and types', () => {
    expect(subpaths.sort()).toEqual(Object.keys(EXPECTED).sort())
    for (const subpath of subpaths) {
      const conditions = pkg.exports[subpath] as Record<string, { types: string; default: string }>
      for (const mode of ['import', 'require']) {
        expect(conditions[mode]?.types, `${subpath} ${mode} types`).toMatch(/\.d\.c?ts$/)
        expect(existsSync(join(root, conditions[mode]?.default ?? '')), `${subpath} ${mode} built`).toBe(true)
        expect(existsSync(join(root, conditions[mode]?.types ?? '')), `${subpath} ${mode} types built`).toBe(
          true,
        )
      }
    }
  })

  describe.each(['import', 'require'] as const)('%s', (mode) => {
    it.each(Object.entries(EXPECTED))('%s resolves by the package name', (subpath, names) => {
      const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`
      if (mode === 'require' && subpath === './testing') {
        // its conformance suite imports vitest, which refuses require(): resolving is what CJS can check
        const script = `console.log(require.resolve(${JSON.stringify(specifier)}))`
        const resolved = execFileSync(process.execPath, ['-e', script], { cwd: root, encoding: 'utf8' })
        expect(resolved.trim()).toBe(join(root, 'dist', 'testing.cjs'))
        return
      }
      const exported = exportNames(specifier, mode)
      expect(exported).toEqual(expect.arrayContaining(names))
      if (subpath === '.') for (const name of NOT_AT_ROOT) expect(exported).not.toContain(name)
    })
  })
})
