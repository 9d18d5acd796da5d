// The audit benches' shared workload: the events every caller logs, and scratch SQLite files.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

/** Event `i` of caller `caller`: 200 actors (their IP encrypted per subject), one tenant chain. */
export const auditEvent = (caller: number, i: number) => ({
  action: 'document.view',
  category: 'data_access' as const,
  actor: { id: `user_${caller % 200}`, ip: '203.0.113.7', role: 'member' },
  target: { type: 'document', id: `doc_${caller}_${i}` },
  tenantId: 'acme',
  requestId: `req_${caller}_${i}`,
  metadata: { path: `/documents/doc_${caller}_${i}`, bytes: 1024 + i },
})

/** A scratch directory of numbered SQLite files, and removal of a file with its WAL and shm. */
export function scratchFiles(name: string) {
  const dir = mkdtempSync(join(tmpdir(), name))
  let counter = 0
  return {
    dir,
    next: (file: string) => join(dir, `${file}-${counter++}.db`),
    remove: (path: string) => {
      for (const suffix of ['', '-wal', '-shm']) rmSync(`${path}${suffix}`, { force: true })
    },
  }
}
