import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { openSqlite } from '@opskit/core/sqlite'
import { afterAll, describe, expect, it } from 'vitest'
import { createFilesystemStorage, createReports } from '../src/index.js'

describe('a process killed mid-report', () => {
  const dir = mkdtempSync(join(tmpdir(), 'reports-crash-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))

  it('leaves a running run, no artifact and no download link; the sweep removes the partial write a day later', async () => {
    const dbPath = join(dir, 'host.db')
    const artifacts = join(dir, 'artifacts')
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', join(import.meta.dirname, 'fixtures/crash-child.ts'), dbPath, artifacts],
      { cwd: import.meta.dirname, stdio: ['ignore', 'pipe', 'inherit'] },
    )
    await new Promise<void>((resolve, reject) => {
      child.stdout.on('data', (chunk: Buffer) => {
        if (chunk.toString().includes('started')) resolve()
      })
      child.once('exit', (code) => reject(new Error(`child exited early with ${code}`)))
    })
    const exited = new Promise((resolve) => child.once('exit', resolve))
    child.kill('SIGKILL')
    await exited

    const db = openSqlite(dbPath)
    const reports = await createReports({ db, storage: createFilesystemStorage({ directory: artifacts }) })
    const [run] = await reports.history({ report: 'endless' })
    expect(run?.status).toBe('running')
    const files = readdirSync(artifacts)
    expect(files.some((file) => file === run?.storageKey)).toBe(false)
    expect(files.every((file) => file.startsWith('.tmp-'))).toBe(true)
    await expect(reports.createDownloadLink(run?.id ?? '')).rejects.toMatchObject({
      code: 'REPORTS_ARTIFACT_NOT_FOUND',
    })
    expect(await reports.recoverInterruptedRuns({ olderThanMs: 0 })).toBe(1)
    expect((await reports.history({ report: 'endless' }))[0]).toMatchObject({
      status: 'failed',
      error: expect.stringContaining('interrupted'),
    })
    // The interrupted write's temporary file goes with the sweep once a day has passed untouched.
    const temps = readdirSync(artifacts)
    expect(temps.length).toBeGreaterThan(0)
    expect((await reports.sweepOrphans()).incompleteWrites).toBe(0)
    const twoDaysAgo = new Date(Date.now() - 2 * 24 * 3_600_000)
    for (const file of temps) utimesSync(join(artifacts, file), twoDaysAgo, twoDaysAgo)
    expect(await reports.sweepOrphans()).toEqual({
      finishedRuns: 0,
      orphanObjects: 0,
      incompleteWrites: temps.length,
    })
    expect(readdirSync(artifacts)).toEqual([])
    await reports.close()
    await db.destroy()
  })
})
