import { execFile } from 'node:child_process'
import { mkdtemp, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { HAS_NAB, NAB_ROOT, NAB_SKIP_NOTE } from './nab-data.js'

const run = promisify(execFile)
const CLI = join(import.meta.dirname, '../src/cli/opskit-ml.ts')

describe('opskit-ml nab', () => {
  const dir = { path: '' }
  beforeAll(async () => {
    dir.path = await mkdtemp(join(tmpdir(), 'opskit-ml-cli-'))
  })
  afterAll(() => rm(dir.path, { recursive: true, force: true }))

  it.skipIf(!HAS_NAB)(
    `runs the z-score detector over the corpus, writes NAB results and prints the three profiles${NAB_SKIP_NOTE}`,
    async () => {
      const { stdout } = await run(process.execPath, [
        '--import',
        'tsx',
        CLI,
        'nab',
        '--data',
        NAB_ROOT,
        '--detector',
        'zscore',
        '--out',
        dir.path,
      ])
      expect(stdout).toMatch(/zscore: 58 files, 365558 points/)
      expect(stdout).toContain('| **opskit zscore** | 40.13 | 23.94 | 47.73 |')
      expect(stdout).toContain('| Windowed Gaussian (published) | 39.6 | 20.9 | 47.4 |')
      const csv = await readFile(join(dir.path, 'realKnownCause', 'zscore_nyc_taxi.csv'), 'utf8')
      const lines = csv.trim().split('\n')
      expect(lines[0]).toBe('timestamp,value,anomaly_score,label')
      expect(lines).toHaveLength(10_321)
      expect(lines[1]).toBe('2014-07-01 00:00:00,10844,0,0')
      expect(lines.filter((l) => l.endsWith(',1')).length).toBeGreaterThan(0)
    },
  )

  it('nab-cv prints usage and fails without a data directory or with a bad seed', async () => {
    for (const args of [[], ['--data', '/tmp', '--seed', 'x'], ['--data', '/tmp', '--seed', '1,x']]) {
      await expect(run(process.execPath, ['--import', 'tsx', CLI, 'nab-cv', ...args])).rejects.toMatchObject({
        code: 2,
        stderr: expect.stringContaining('opskit-ml nab-cv --data'),
      })
    }
  })

  it('prints usage and fails on a bad detector', async () => {
    await expect(
      run(process.execPath, ['--import', 'tsx', CLI, 'nab', '--data', '/tmp', '--detector', 'x']),
    ).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('usage: opskit-ml nab'),
    })
  })
})
