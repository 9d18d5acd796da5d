// Profiles the host thread of @opskit/audit's log() on SQLite (the audit-sqlite-case workload:
// 1,000 callers × 20 events) for the logging phase of the last run only: a V8 CPU profile of the
// main thread, or with --heap a sampling allocation profile (garbage included) whose total it
// prints — bytes allocated per 20k events hardly depend on the machine's load, unlike events/s.
// Run: cd bench && node --expose-gc --import tsx audit-profile.ts [--runs 3] [--plain] [--heap] [--out file]
// [--other <dir of another build's dist/index.js>] (profiles that build instead, e.g. a git worktree)
import { rmSync, writeFileSync } from 'node:fs'
import { Session } from 'node:inspector/promises'
import { createAuditLog as createCurrentAuditLog } from '@opskit/audit'
import { openSqlite } from '@opskit/core/sqlite'
import { auditEvent, scratchFiles } from './lib/audit-workload.js'

const argument = (name: string) => {
  const at = process.argv.indexOf(`--${name}`)
  return at < 0 ? undefined : process.argv[at + 1]
}
const RUNS = Number(argument('runs') ?? 3)
const OUT = argument('out') ?? 'audit-host.cpuprofile'
const encryptPersonalData = !process.argv.includes('--plain')
const OTHER = argument('other')
const createAuditLog = OTHER
  ? ((await import(`${OTHER}/index.js`)) as { createAuditLog: typeof createCurrentAuditLog }).createAuditLog
  : createCurrentAuditLog
const scratch = scratchFiles('opskit-audit-profile-')
const session = new Session()
session.connect()
const heap = process.argv.includes('--heap')
await session.post('Profiler.enable')
await session.post('HeapProfiler.enable')
await session.post('Profiler.setSamplingInterval', { interval: 100 })
let profiling = false
for (let run = 0; run < RUNS; run++) {
  const db = openSqlite(scratch.next('p'), { synchronous: 'full' })
  const audit = await createAuditLog({ db, tablePrefix: 'bench_', auditReads: false, encryptPersonalData })
  globalThis.gc?.()
  // The runs before the last warm up; the last is profiled.
  if (run === RUNS - 1) {
    if (heap)
      await session.post('HeapProfiler.startSampling', {
        samplingInterval: 4096,
        includeObjectsCollectedByMajorGC: true,
        includeObjectsCollectedByMinorGC: true,
      })
    else await session.post('Profiler.start')
    profiling = true
  }
  const started = performance.now()
  await Promise.all(
    Array.from({ length: 1_000 }, async (_, caller) => {
      for (let i = 0; i < 20; i++) await audit.log(auditEvent(caller, i))
    }),
  )
  console.log(`run ${run}: ${Math.round(20_000 / ((performance.now() - started) / 1000))} events/s`)
  if (profiling && heap) {
    const { profile } = await session.post('HeapProfiler.stopSampling')
    writeFileSync(OUT, JSON.stringify(profile))
    profiling = false
    type Node = { selfSize: number; children: Node[] }
    const total = (node: Node): number =>
      node.children.reduce((sum, child) => sum + total(child), node.selfSize)
    console.log(`allocated on the host thread while logging: ${(total(profile.head) / 1e6).toFixed(1)} MB`)
  } else if (profiling) {
    const { profile } = await session.post('Profiler.stop')
    writeFileSync(OUT, JSON.stringify(profile))
    profiling = false
  }
  await audit.close()
  await db.destroy()
}
rmSync(scratch.dir, { recursive: true, force: true })
