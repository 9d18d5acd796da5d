// Every command a workspace package ships (its package.json `bin`) is a file committed to git,
// outside dist/, executable, with a node shebang, so that npm links it at install time (before
// any build); package-lock.json names the same file (`npm ci` links what the lockfile says, not
// package.json); and after the build, the command npm linked answers `--help`.
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')

interface Bin {
  name: string
  /** The workspace folder, relative to the repository root (its key in package-lock.json). */
  workspace: string
  /** The bin target, relative to the repository root. */
  path: string
}

/** The bins of every workspace package under packages/ and examples/. */
function workspaceBins(): Bin[] {
  const bins: Bin[] = []
  for (const parent of ['packages', 'examples']) {
    for (const entry of readdirSync(join(root, parent), { withFileTypes: true })) {
      const manifest = join(root, parent, entry.name, 'package.json')
      if (!entry.isDirectory() || !existsSync(manifest)) continue
      const pkg = JSON.parse(readFileSync(manifest, 'utf8')) as {
        name: string
        bin?: string | Record<string, string>
      }
      if (!pkg.bin) continue
      const entries =
        typeof pkg.bin === 'string' ? [[pkg.name.replace(/^@[^/]+\//, ''), pkg.bin]] : Object.entries(pkg.bin)
      for (const [name, target] of entries)
        bins.push({
          name: name as string,
          workspace: `${parent}/${entry.name}`,
          path: relative(root, join(root, parent, entry.name, target as string)),
        })
    }
  }
  return bins
}

const bins = workspaceBins()

describe('CLI bins', () => {
  it('finds the commands the READMEs give', () => {
    expect(bins.map((b) => b.name)).toEqual(expect.arrayContaining(['opskit-audit', 'opskit-ml']))
  })

  describe.each(bins)('$name ($path)', (bin) => {
    it('is committed to git as an executable file outside dist/, with a node shebang', () => {
      expect(bin.path.split('/')).not.toContain('dist')
      // `git ls-files -s` prints "<mode> <object> <stage>\t<path>" for a tracked file, nothing otherwise.
      const listed = execFileSync('git', ['ls-files', '-s', '--', bin.path], { cwd: root, encoding: 'utf8' })
      expect(listed, `${bin.path} is not committed`).toMatch(/^100755 /)
      expect(readFileSync(join(root, bin.path), 'utf8').split('\n')[0]).toBe('#!/usr/bin/env node')
    })

    it('is the file package-lock.json names, so that npm ci links it', () => {
      const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as {
        packages: Record<string, { bin?: Record<string, string> }>
      }
      const locked = lock.packages[bin.workspace]?.bin?.[bin.name]
      expect(locked && join(bin.workspace, locked), 'package-lock.json is stale: run npm install').toBe(
        bin.path,
      )
    })

    it('is linked by npm and answers --help', () => {
      const linked = join(root, 'node_modules', '.bin', bin.name)
      expect(
        existsSync(linked),
        `node_modules/.bin/${bin.name} is missing: npm links a bin at install time only when its file exists`,
      ).toBe(true)
      const result = spawnSync(linked, ['--help'], { cwd: root, encoding: 'utf8', timeout: 60_000 })
      expect(result.status, result.stderr).toBe(0)
      expect(`${result.stdout}${result.stderr}`).toContain(`usage: ${bin.name}`)
    }, 90_000)
  })
})
