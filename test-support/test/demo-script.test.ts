// `npm run demo` as a newcomer runs it: the script itself in a child process (not runDemo() in
// this process), its exit code, its printed summary, and what it leaves behind. The run takes
// ~25 s on the shared 2-core machine; it needs the packages built (`npm test` builds first).
import { execFileSync, spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, relative } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'

const root = join(import.meta.dirname, '..', '..')

function run(command: string, args: string[], cwd: string): Promise<{ code: number | null; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    let output = ''
    child.stdout.on('data', (chunk) => {
      output += chunk
    })
    child.stderr.on('data', (chunk) => {
      output += chunk
    })
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, output }))
  })
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)))
}

describe('scripts/demo.mjs (what `npm run demo` runs after the build)', () => {
  // The script writes to ./demo-output of its working directory: a temporary one here, so that
  // the test neither races a developer's own demo run nor touches the working tree.
  const cwd = mkdtempSync(join(tmpdir(), 'opskit-demo-script-'))
  afterAll(() => rmSync(cwd, { recursive: true, force: true }))

  it('exits 0 with a summary that matches its steps, and writes only git-ignored files', async () => {
    const { code, output } = await run(process.execPath, [join(root, 'scripts', 'demo.mjs')], cwd)
    const tally = output.match(/^(\d+) ok, (\d+) failed, (\d+) not available yet — [\d.]+ s/m)
    expect(tally, output).not.toBeNull()
    const [ok, failed, unavailable] = tally!.slice(1).map(Number) as [number, number, number]
    expect(failed, output).toBe(0)
    expect(code, output).toBe(0)
    expect(ok).toBeGreaterThanOrEqual(10)

    // The printed summary lists every step once, marked as its outcome.
    const summary = output.slice(output.lastIndexOf('\nsummary\n'))
    expect(summary.match(/^ {2}✔ /gm)?.length ?? 0).toBe(ok)
    expect(summary.match(/^ {2}- /gm)?.length ?? 0).toBe(unavailable)
    const written = JSON.parse(readFileSync(join(cwd, 'demo-output', 'summary.json'), 'utf8')) as {
      ok: boolean
      results: { outcome: string }[]
    }
    expect(written.ok).toBe(true)
    expect(written.results.filter((r) => r.outcome === 'ok')).toHaveLength(ok)

    // Everything it wrote into its working directory is ignored by the repository's .gitignore,
    // so `npm run demo` (cwd = the repository root) leaves `git status` clean.
    const files = filesUnder(cwd)
    expect(files).toEqual(expect.arrayContaining([join('demo-output', 'summary.json')]))
    const ignored = execFileSync('git', ['check-ignore', '--no-index', '--stdin'], {
      cwd: root,
      input: files.join('\n'),
      encoding: 'utf8',
    })
      .split('\n')
      .filter(Boolean)
    expect(ignored.sort()).toEqual([...files].sort())
  }, 180_000)
})
