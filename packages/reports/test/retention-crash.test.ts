// Issue 21: a crash between an artifact object's deletion and its row's never leaves a row a
// user could be handed, nor an orphan object forever: a real child process is SIGKILLed at that
// point (its storage adapter kills it right after deleting an object), then the sweep reconciles.
import { spawn } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { uuidv7 } from '@opskit/core'
import { createFakeClock } from '@opskit/core/testing'
import { forEachDialect } from '@opskit/test-support'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { z } from 'zod'
import { createFilesystemStorage, createReports, defineReport, type Reports } from '../src/index.js'

const tiny = defineReport({
  name: 'tiny',
  title: 'Tiny',
  params: z.object({}),
  columns: [{ key: 'n', header: 'N', type: 'integer' }],
  query: async function* () {
    yield { n: 1 }
  },
})

async function keysOf(storage: ReturnType<typeof createFilesystemStorage>, prefix = ''): Promise<string[]> {
  const keys: string[] = []
  for await (const key of storage.list(prefix)) keys.push(key)
  return keys.sort()
}

forEachDialect('retention killed between object and row', ({ db, dialect, location }) => {
  let dir: string
  let reports: Reports
  let storage: ReturnType<typeof createFilesystemStorage>
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'reports-retention-crash-'))
    storage = createFilesystemStorage({ directory: dir })
    reports = await createReports({
      db: db(),
      storage,
      tenantMode: 'optional',
      clock: createFakeClock(new Date('2026-01-01T00:00:00Z')),
    })
  })
  afterAll(async () => {
    await reports?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it(`leaves only hidden tombstones, which the sweep finishes, on ${dialect}`, async () => {
    const runs = []
    for (let i = 0; i < 3; i++) runs.push(await reports.run(tiny, {}, { format: 'csv', tenantId: 'acme' }))
    const [oldest, middle, newest] = runs.map((r) => r.artifactId)
    const link = await reports.createDownloadLink(oldest ?? '', { tenantId: 'acme', maxDownloads: 5 })
    ;(await reports.redeem(link.token, { tenantId: 'acme' })).stream.resume()
    const invoice = 'invoice-2026-0042.pdf'
    await storage.write(invoice, Readable.from([Buffer.from('%PDF')]), { contentType: 'application/pdf' })
    expect(await keysOf(storage, 'reports.')).toHaveLength(3)

    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        join(import.meta.dirname, 'fixtures/retention-crash-child.ts'),
        dialect,
        location(),
        dir,
      ],
      { cwd: import.meta.dirname, stdio: ['ignore', 'inherit', 'inherit'] },
    )
    const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>((resolve) =>
      child.once('exit', (exitCode, exitSignal) => resolve([exitCode, exitSignal])),
    )
    expect({ code, signal }).toEqual({ code: null, signal: 'SIGKILL' })

    // After the crash: the two older runs are tombstones (rows still there, at least one object
    // gone), invisible to history and to links: nobody can be handed a row whose file is missing.
    const tombstones = await reports.store.runsBeingDeleted({ limit: 10 })
    expect(tombstones.map((r) => r.id).sort()).toEqual([oldest, middle].sort())
    expect((await keysOf(storage, 'reports.')).length).toBeLessThan(3)
    expect((await reports.history({ tenantId: 'acme' })).map((r) => r.id)).toEqual([newest])
    await expect(reports.redeem(link.token, { tenantId: 'acme' })).rejects.toMatchObject({
      code: 'REPORTS_ARTIFACT_NOT_FOUND',
    })
    await expect(reports.createDownloadLink(middle ?? '', { tenantId: 'acme' })).rejects.toMatchObject({
      code: 'REPORTS_ARTIFACT_NOT_FOUND',
    })
    // An artifact object no row names (as a lost row would leave) is an orphan for the sweep.
    const orphan = `reports.acme.${uuidv7()}.csv`
    await storage.write(orphan, Readable.from([Buffer.from('n\r\n1\r\n')]), { contentType: 'text/csv' })

    expect(await reports.sweepOrphans()).toEqual({ finishedRuns: 2, orphanObjects: 1, incompleteWrites: 0 })
    expect(await reports.store.runsBeingDeleted({ limit: 10 })).toEqual([])
    const [kept] = await reports.history({ tenantId: 'acme' })
    expect(await keysOf(storage)).toEqual([invoice, kept?.storageKey].sort())
    // Nothing left to reconcile; the host's own object is never swept.
    expect(await reports.sweepOrphans()).toEqual({ finishedRuns: 0, orphanObjects: 0, incompleteWrites: 0 })
    expect(await storage.exists(invoice)).toBe(true)
  })
})
