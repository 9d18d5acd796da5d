import { type ChildProcess, spawn } from 'node:child_process'
import { openSqlite } from '@opskit/core/sqlite'
import { tempSqlitePath } from '@opskit/test-support'
import { sql } from 'kysely'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createAuditLog } from '../src/index.js'
import { buildWriter } from './fixtures/build-writer.js'

let writer: { file: string; cleanup: () => void }
beforeAll(async () => {
  writer = await buildWriter()
})
afterAll(() => writer.cleanup())

function run(args: string[], onLine: (line: string, child: ChildProcess) => void): Promise<number | null> {
  const child = spawn(process.execPath, [writer.file, ...args], { stdio: ['ignore', 'pipe', 'inherit'] })
  let rest = ''
  child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
    const lines = (rest + chunk).split('\n')
    rest = lines.pop() ?? ''
    for (const line of lines) onLine(line, child)
  })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('exit', (code, signal) => resolve(signal ? null : code))
  })
}

describe.each([
  { mode: 'inline', title: 'on the host connection' },
  { mode: 'thread', title: 'with writerThread' },
])('durability and concurrency on one SQLite file (child processes), $title', ({ mode }) => {
  it('keeps every acknowledged event across 20 SIGKILLs at random moments, and verifies', async () => {
    const temp = tempSqlitePath()
    const acked = new Map<number, string>()
    for (let round = 0; round < 20; round++) {
      const code = await run([temp.path, 'Infinity', '25', `r${round}`, mode], (line, child) => {
        if (line === 'ready') setTimeout(() => child.kill('SIGKILL'), 20 + Math.random() * 200)
        else if (line.startsWith('ack ')) {
          const [, seq, id] = line.split(' ')
          acked.set(Number(seq), id as string)
        }
      })
      expect(code).toBeNull()
    }
    expect(acked.size).toBeGreaterThan(100)
    const db = openSqlite(temp.path)
    const audit = await createAuditLog({ db, tablePrefix: 'crash_', auditReads: false })
    const result = await audit.verify()
    expect(result.failures).toEqual([])
    const rows = await sql<{ seq: number; id: string }>`SELECT seq, id FROM crash_audit_events`.execute(db)
    const present = new Map(rows.rows.map((row) => [Number(row.seq), row.id]))
    const lost = [...acked].filter(([seq, id]) => present.get(seq) !== id)
    expect(lost).toEqual([])
    expect(result.headSeq).toBe(present.size)
    await audit.close()
    await db.destroy()
    temp.cleanup()
  }, 60_000)

  it('4 processes × 5,000 events: one gap-free chain, no forks, verify passes', async () => {
    const temp = tempSqlitePath()
    const perProcess = 5_000
    const acked: number[][] = [[], [], [], []]
    const codes = await Promise.all(
      acked.map((list, index) =>
        run([temp.path, String(perProcess), '100', `p${index}`, mode], (line) => {
          if (line.startsWith('ack ')) list.push(Number(line.split(' ')[1]))
        }),
      ),
    )
    expect(codes).toEqual([0, 0, 0, 0])
    const all = acked.flat().sort((a, b) => a - b)
    expect(all).toHaveLength(4 * perProcess)
    expect(all).toEqual(Array.from({ length: 4 * perProcess }, (_, i) => i + 1))
    const db = openSqlite(temp.path)
    const audit = await createAuditLog({ db, tablePrefix: 'crash_', auditReads: false })
    const result = await audit.verify()
    expect(result).toMatchObject({ ok: true, checked: 4 * perProcess, headSeq: 4 * perProcess })
    await audit.close()
    await db.destroy()
    temp.cleanup()
  }, 90_000)
})
