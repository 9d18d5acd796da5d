import { execFile } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'

// The harness is run by a real, separate vitest on test/fixtures/store-conformance, so what we
// check is what vitest itself reports (passed / failed / skipped), not what the harness claims.
const fixtureDir = join(import.meta.dirname, 'fixtures', 'store-conformance')
const vitestBin = join(import.meta.dirname, '..', '..', '..', 'node_modules', '.bin', 'vitest')

interface Event {
  event: 'open' | 'run' | 'close' | 'destroy'
  id?: string
  case?: string
}

let dir = ''
let statuses = new Map<string, string>()
let events: Event[] = []

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'opskit-conformance-'))
  const env = Object.fromEntries(Object.entries(process.env).filter(([key]) => !key.startsWith('VITEST')))
  const report = join(dir, 'report.json')
  await promisify(execFile)(
    vitestBin,
    ['run', '--config', 'vitest.config.ts', '--reporter=json', `--outputFile=${report}`],
    { cwd: fixtureDir, env: { ...env, CONFORMANCE_LOG: join(dir, 'events.log') } },
  ).catch((error: { code?: number }) => {
    // one case fails on purpose, so the child exits 1; anything else is a broken run
    if (error.code !== 1) throw error
  })
  const results = JSON.parse(readFileSync(report, 'utf8')) as {
    testResults: { assertionResults: { fullName: string; status: string }[] }[]
  }
  statuses = new Map(
    results.testResults.flatMap((file) => file.assertionResults.map((a) => [a.fullName, a.status])),
  )
  events = readFileSync(join(dir, 'events.log'), 'utf8')
    .trim()
    .split('\n')
    .map((line) => JSON.parse(line) as Event)
}, 120_000)

afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('runStoreConformance', () => {
  it('names each test "<suite> [<target>] <case>" and reports what vitest saw', () => {
    expect(Object.fromEntries(statuses)).toEqual({
      'toy store [no-reopen] starts empty and writes': 'passed',
      'toy store [no-reopen] starts empty again': 'passed',
      'toy store [no-reopen] fails on purpose': 'failed',
      'toy store [no-reopen] survives a reopen': 'skipped',
      'toy store [no-reopen] calls reopen without declaring it': 'failed',
      'toy store [reopen-close] survives a reopen': 'passed',
      'toy store [reopen-destroy] survives a reopen': 'passed',
    })
  })

  it('runs every case on a fresh store and destroys it afterwards, even when the case fails', () => {
    const plain = events.filter((e) => e.id?.startsWith('plain-'))
    const ids = [...new Set(plain.map((e) => e.id))]
    // four cases ran on the target without reopen (the fifth was skipped): four stores
    expect(ids).toHaveLength(4)
    for (const id of ids) {
      expect(plain.filter((e) => e.id === id).map((e) => e.event)).toEqual(
        id === ids[3] ? ['open', 'destroy'] : ['open', 'run', 'destroy'],
      )
    }
    // the skipped case never ran anywhere on that target
    expect(events.some((e) => e.case === 'reopen' && e.id?.startsWith('plain-'))).toBe(false)
  })

  it('closes a reopened store with its close(), before destroying the created one', () => {
    const durable = events.filter((e) => e.id?.startsWith('durable-') || e.id?.startsWith('reopened-'))
    expect(durable.map((e) => `${e.event} ${e.id?.replace(/-\d+$/, '')}`)).toEqual([
      'open durable',
      'run durable',
      'open reopened',
      'close reopened',
      'destroy durable',
    ])
  })

  it('hands a reopened store without close() to destroy, before the created one', () => {
    const bare = events.filter((e) => e.id?.startsWith('bare-'))
    expect(bare.map((e) => `${e.event} ${e.id?.replace(/-\d+$/, '')}`)).toEqual([
      'open bare',
      'run bare',
      'open bare-reopened',
      'destroy bare-reopened',
      'destroy bare',
    ])
  })
})
