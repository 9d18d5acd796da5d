// Every documented error code is thrown somewhere, and the README documents exactly the codes of
// MonitorErrorCode (issue 20: codes nothing throws are removed, not kept "reserved").
import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..')
const errorsFile = join(root, 'src', 'errors', 'monitor-error.ts')

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? sourceFiles(join(dir, entry.name))
      : entry.name.endsWith('.ts')
        ? [join(dir, entry.name)]
        : [],
  )
}

const declared = [...readFileSync(errorsFile, 'utf8').matchAll(/\|\s*'(MONITOR_[A-Z_]+)'/g)].map((m) => m[1])

describe('MonitorErrorCode', () => {
  it('names exactly the codes the README documents', () => {
    const readme = readFileSync(join(root, 'README.md'), 'utf8')
    const table = readme.slice(readme.indexOf('## Errors'))
    const documented = new Set([...table.matchAll(/^\| `(MONITOR_[A-Z_]+)`/gm)].map((m) => m[1]))
    expect(declared.length).toBeGreaterThan(5)
    expect([...documented].sort()).toEqual([...declared].sort())
  })

  it.each(declared)('%s is thrown (or passed as the code of an error) somewhere in src', (code) => {
    const uses = sourceFiles(join(root, 'src'))
      .filter((file) => file !== errorsFile)
      .filter((file) => readFileSync(file, 'utf8').includes(`'${code}'`))
    expect(uses.length, `${code} is never used`).toBeGreaterThan(0)
  })
})
