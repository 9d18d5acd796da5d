import Database from 'better-sqlite3'
import { afterEach, describe, expect, it } from 'vitest'
import { tempSqlitePath } from '../../../test-support/src/index.js'
import { CoreError, parseDuration } from '../src/index.js'
import {
  checkTenantId,
  createTenantScope,
  deleteInBatches,
  emptyRetentionReport,
  NO_TENANT,
  resolveRetentionPolicy,
} from '../src/internal/index.js'

const required = (message: string) => new CoreError('CORE_REQUIRED_OPTION', message)
const invalid = (message: string) => new CoreError('CORE_INVALID_ARGUMENT', message)

describe('createTenantScope', () => {
  it('off: no tenant stores NO_TENANT, naming one is refused', () => {
    const scope = createTenantScope('off', { required, invalid })
    expect(scope(undefined)).toBe(NO_TENANT)
    expect(() => scope('acme')).toThrow(/tenantMode is off/)
  })
  it('optional: a tenant is its own scope, no tenant is the NO_TENANT scope', () => {
    const scope = createTenantScope('optional', { required, invalid })
    expect(scope('acme')).toBe('acme')
    expect(scope(undefined)).toBe(NO_TENANT)
  })
  it('required: a call without a tenant throws the required error', () => {
    const scope = createTenantScope('required', { required, invalid })
    expect(scope('t-1')).toBe('t-1')
    expect(() => scope(undefined)).toThrow(/tenantId is required/)
  })
  it('refuses malformed ids (the empty string would alias NO_TENANT) and unknown modes', () => {
    const scope = createTenantScope('optional', { required, invalid })
    for (const bad of ['', 'a b', 'x'.repeat(129), 'a\nb', "a'--"])
      expect(() => scope(bad)).toThrow(/tenantId must/)
    expect(() => createTenantScope('strict' as never, { required, invalid })).toThrow(/tenantMode must/)
  })
})

describe('checkTenantId', () => {
  const errors = { required, invalid }
  it('leaves a call without a tenant undefined unless the mode is required', () => {
    expect(checkTenantId('off', undefined, errors)).toBeUndefined()
    expect(checkTenantId('optional', undefined, errors)).toBeUndefined()
    expect(() => checkTenantId('required', undefined, errors)).toThrow(
      expect.objectContaining({ code: 'CORE_REQUIRED_OPTION' }),
    )
  })
  it('returns a valid tenant under optional and required, refuses one under off', () => {
    expect(checkTenantId('optional', 'acme', errors)).toBe('acme')
    expect(checkTenantId('required', 'a.b_c:d@e-1', errors)).toBe('a.b_c:d@e-1')
    expect(() => checkTenantId('off', 'acme', errors)).toThrow(
      expect.objectContaining({
        code: 'CORE_INVALID_ARGUMENT',
        message: expect.stringMatching(/tenantMode is off/),
      }),
    )
  })
  it('refuses malformed ids, non-strings and unknown modes with the invalid error', () => {
    for (const bad of ['', 'a b', 'x'.repeat(129), 'a\nb', "a'--", 42])
      expect(() => checkTenantId('required', bad as never, errors)).toThrow(
        expect.objectContaining({ code: 'CORE_INVALID_ARGUMENT' }),
      )
    expect(checkTenantId('required', 'x'.repeat(128), errors)).toBe('x'.repeat(128))
    expect(() => checkTenantId('strict' as never, undefined, errors)).toThrow(/tenantMode must/)
  })
})

describe('parseDuration', () => {
  it('parses numbers and unit strings, refuses the rest with the caller error', () => {
    expect(parseDuration('1h30m', 'f', invalid)).toBe(5_400_000)
    expect(parseDuration('30d', 'f', invalid)).toBe(30 * 86_400_000)
    expect(parseDuration(250, 'f', invalid)).toBe(250)
    for (const bad of ['', '5', '5x', '1h 30m', -1, Number.NaN])
      expect(() => parseDuration(bad as never, 'f', invalid)).toThrow(CoreError)
  })
  it('is linear on hostile text', () => {
    const started = performance.now()
    expect(() => parseDuration(`${'1'.repeat(50_000)}!`, 'f', invalid)).toThrow(CoreError)
    expect(performance.now() - started).toBeLessThan(500)
  })
})

describe('resolveRetentionPolicy', () => {
  const kinds = { all: ['deliveries', 'inbox'] as const, keepLast: ['inbox'] as const }
  const now = Date.parse('2026-12-07T00:00:00Z')
  it('resolves durations and dates to cutoffs and keeps keepLast', () => {
    const rules = resolveRetentionPolicy(
      { deliveries: { olderThan: '1d' }, inbox: { olderThan: new Date(now - 5), keepLast: 3 } },
      kinds,
      now,
      invalid,
    )
    expect(rules.get('deliveries')).toEqual({ cutoff: now - 86_400_000 })
    expect(rules.get('inbox')).toEqual({ cutoff: now - 5, keepLast: 3 })
  })
  it('refuses unknown kinds, empty rules, keepLast where it does not apply, bad numbers', () => {
    const bad: unknown[] = [
      { outbox: { olderThan: '1d' } },
      { deliveries: {} },
      { deliveries: { keepLast: 1 } },
      { inbox: { keepLast: -1 } },
      { inbox: { keepLast: 1.5 } },
      { deliveries: { olderThan: 'soon' } },
      { deliveries: { olderThan: new Date(Number.NaN) } },
      null,
    ]
    for (const policy of bad)
      expect(() => resolveRetentionPolicy(policy as never, kinds, now, invalid)).toThrow(CoreError)
  })
  it('an empty policy deletes nothing and reports zeros', () => {
    expect(resolveRetentionPolicy({}, kinds, now, invalid).size).toBe(0)
    expect(emptyRetentionReport(kinds.all, new Date(now)).removed).toEqual({ deliveries: 0, inbox: 0 })
  })
})

describe('deleteInBatches on a SQLite file', () => {
  const cleanups: Array<() => void> = []
  afterEach(() => {
    for (const cleanup of cleanups.splice(0)) cleanup()
  })
  function seeded(rows: number) {
    const file = tempSqlitePath('batched-delete.db')
    cleanups.push(file.cleanup)
    const db = new Database(file.path)
    db.pragma('journal_mode = WAL')
    db.exec('create table log (id integer primary key, at integer not null)')
    const insert = db.prepare('insert into log (at) values (?)')
    db.transaction(() => {
      for (let i = 0; i < rows; i++) insert.run(i)
    })()
    return db
  }

  it('deletes every matching row in batches that adapt to the time target', async () => {
    const db = seeded(20_000)
    const sizes: number[] = []
    const remove = db.prepare(
      'delete from log where id in (select id from log where at < ? order by id limit ?)',
    )
    let clock = 0
    const deleted = await deleteInBatches(
      async (limit) => {
        sizes.push(limit)
        clock += limit >= 1_000 ? 50 : 1 // batches of 1,000+ "take" 50 ms, smaller ones 1 ms
        return remove.run(15_000, limit).changes
      },
      { now: () => clock, targetBatchMs: 20 },
    )
    expect(deleted).toBe(15_000)
    expect(db.prepare('select count(*) as n from log').get()).toEqual({ n: 5_000 })
    expect(Math.max(...sizes)).toBeLessThanOrEqual(2_000) // doubled to 1,000 at most once before halving back
    expect(sizes.slice(0, 3)).toEqual([500, 1_000, 500])
    db.close()
  })

  it('yields between batches so other work runs, and stops on abort', async () => {
    const db = seeded(5_000)
    const remove = db.prepare('delete from log where id in (select id from log order by id limit ?)')
    const controller = new AbortController()
    let batches = 0
    const interleaved: number[] = []
    const ticker = setInterval(() => interleaved.push(batches), 0)
    const run = deleteInBatches(
      async (limit) => {
        batches++
        if (batches === 3) controller.abort(new Error('stop'))
        return remove.run(limit).changes
      },
      { initialBatch: 100, minBatch: 100, maxBatch: 100, signal: controller.signal },
    )
    await expect(run).rejects.toThrow('stop')
    clearInterval(ticker)
    expect(batches).toBe(3)
    expect(db.prepare('select count(*) as n from log').get()).toEqual({ n: 4_700 })
    db.close()
  })
})
