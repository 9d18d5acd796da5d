import { execFileSync } from 'node:child_process'
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

/** What {@link describePackageExports} checks of one package. */
export interface PackageExportsSpec {
  /** The package's folder (holding package.json and the built dist/). */
  packageDir: string
  /**
   * Names each entry must export, per subpath of package.json `exports` (`'.'`, `'./testing'`, …).
   * Every subpath the package declares (but `./package.json`) must be listed, and no other.
   */
  expected: Readonly<Record<string, readonly string[]>>
  /** Names the root entry must not export (they live behind a subpath). */
  notAtRoot?: readonly string[]
  /**
   * Subpaths CommonJS can resolve but not load, because they import an ESM-only module (the
   * `/testing` entries import vitest): for these, `require.resolve` must find the `.cjs` file.
   */
  requireResolveOnly?: readonly string[]
}

interface ConditionTarget {
  types?: string
  default?: string
}

/** Runs `script` in a child node process in `cwd`, as a host's code would load the package. */
function runNode(cwd: string, mode: 'import' | 'require', script: string): string {
  const args = ['--input-type', mode === 'import' ? 'module' : 'commonjs', '-e', script]
  return execFileSync(process.execPath, args, { cwd, encoding: 'utf8' })
}

/** The export names of `specifier` loaded by `mode` in a child node process. */
function exportNames(cwd: string, specifier: string, mode: 'import' | 'require'): string[] {
  const quoted = JSON.stringify(specifier)
  const script =
    mode === 'import'
      ? `import(${quoted}).then((m) => console.log(JSON.stringify(Object.keys(m))))`
      : `console.log(JSON.stringify(Object.keys(require(${quoted}))))`
  return JSON.parse(runNode(cwd, mode, script)) as string[]
}

/**
 * Declares the tests that every subpath of a package's `exports` resolves through the package
 * name, as a host's `import` and `require` would (Node's own resolver, in a child process,
 * against the built dist/), with types for both conditions, and gives the names its entry
 * documents. Needs a build (`npm test` builds first).
 *
 * @example
 * ```ts
 * describePackageExports({ packageDir: join(import.meta.dirname, '..'), expected: { '.': ['createNotifier'] } })
 * ```
 */
export function describePackageExports(spec: PackageExportsSpec): void {
  const pkg = JSON.parse(readFileSync(join(spec.packageDir, 'package.json'), 'utf8')) as {
    name: string
    exports: Record<string, unknown>
  }
  const subpaths = Object.keys(pkg.exports).filter((subpath) => subpath !== './package.json')
  const fileExists = (file: string | undefined) =>
    file !== undefined && existsSync(join(spec.packageDir, file))

  describe(`${pkg.name} package exports`, () => {
    it('declares every entry the test knows, each with import and require conditions, types and built files', () => {
      expect([...subpaths].sort()).toEqual(Object.keys(spec.expected).sort())
      for (const subpath of subpaths) {
        const conditions = pkg.exports[subpath] as Record<string, ConditionTarget>
        for (const mode of ['import', 'require'] as const) {
          const target = conditions[mode]
          expect(target?.types, `${subpath} ${mode} types`).toMatch(
            mode === 'import' ? /\.d\.ts$/ : /\.d\.cts$/,
          )
          expect(fileExists(target?.default), `${subpath} ${mode} built`).toBe(true)
          expect(fileExists(target?.types), `${subpath} ${mode} types built`).toBe(true)
        }
      }
    })

    describe.each(['import', 'require'] as const)('%s', (mode) => {
      it.each(Object.entries(spec.expected))('%s resolves by the package name', (subpath, names) => {
        const specifier = subpath === '.' ? pkg.name : `${pkg.name}/${subpath.slice(2)}`
        if (mode === 'require' && spec.requireResolveOnly?.includes(subpath)) {
          const resolved = runNode(
            spec.packageDir,
            'require',
            `console.log(require.resolve(${JSON.stringify(specifier)}))`,
          )
          expect(resolved.trim()).toMatch(/\.cjs$/)
          return
        }
        const exported = exportNames(spec.packageDir, specifier, mode)
        expect(exported).toEqual(expect.arrayContaining([...names]))
        if (subpath === '.') for (const name of spec.notAtRoot ?? []) expect(exported).not.toContain(name)
      })
    })
  })
}
