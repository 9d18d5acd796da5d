import { generateKeyPairSync } from 'node:crypto'
import {
  runStoreConformance,
  type StoreConformanceCase,
  type StoreConformanceOptions,
} from '@opskit/core/testing'
import { expect } from 'vitest'
import { parseCheckpoint } from '../../checkpoint/checkpoint.js'
import { AuditError } from '../../errors/audit-error.js'
import { ERASED } from '../../event/event-schema.js'
import type { AuditCheckpoint, AuditLog } from '../../log/audit-log.js'
import type { AuditLogOptions } from '../../log/audit-log-options.js'
import { createAuditLog } from '../../log/create-audit-log.js'
import type { AuditStore } from '../../store/audit-store.js'

/**
 * Options of {@link runAuditStoreConformance}: core's store conformance options. `create` gives a
 * fresh, empty store per case (e.g. a Kysely store with a new table prefix); `reopen`, a second
 * store on the data of the last one created (as another process would open it), for the
 * durability cases, which are reported as skipped without it.
 */
export type AuditStoreConformanceOptions = StoreConformanceOptions<AuditStore>

const actor = { id: 'u_1', name: 'Ada Lovelace', email: 'ada@example.com', ip: '203.0.113.7' }

type LogOptions = Omit<AuditLogOptions, 'store' | 'db'>

interface LogCaseContext {
  store: AuditStore
  reopen: () => Promise<AuditStore>
  /** An audit log on `on` (the case's store by default), closed after the case. */
  make: (extra?: LogOptions, on?: AuditStore) => Promise<AuditLog>
}

/** A conformance case run through `createAuditLog` (reads not audited unless asked). */
function logCase(
  name: string,
  run: (context: LogCaseContext) => Promise<void>,
  needs?: 'reopen',
): StoreConformanceCase<AuditStore> {
  return {
    name,
    ...(needs ? { needs } : {}),
    run: async ({ store, reopen }) => {
      const open: AuditLog[] = []
      const make = async (extra: LogOptions = {}, on: AuditStore = store) => {
        const audit = await createAuditLog({ auditReads: false, ...extra, store: on })
        open.push(audit)
        return audit
      }
      try {
        await run({ store, reopen, make })
      } finally {
        for (const audit of open.splice(0)) await audit.close()
      }
    },
  }
}

/**
 * The behaviour every {@link AuditStore} must show under `createAuditLog`: gap-free chains per
 * tenant, atomic group commits, filters and cursors, encryption and erasure, retention through
 * an anchor, checkpoints, and a clean `verify`.
 */
export const auditStoreConformanceCases: readonly StoreConformanceCase<AuditStore>[] = [
  logCase('numbers events from 1 without gaps and links each hash to the previous one', async ({ make }) => {
    const audit = await make()
    const first = await audit.logLogin({ actor })
    const second = await audit.logLogout({ actor })
    expect([first.seq, second.seq]).toEqual([1, 2])
    const { events } = await audit.query({})
    expect(events.map((e) => e.seq)).toEqual([2, 1])
    expect(events[0]?.prevHash).toBe(first.hash)
    expect(events[0]?.hash).toBe(second.hash)
    expect(events[1]?.prevHash).toBe('0'.repeat(64))
  }),

  logCase(
    'stores awkward text exactly (quotes, backslashes, braces, commas, NULL, newlines, emoji)',
    async ({ make }) => {
      const audit = await make()
      const awkward = 'a "quoted" \\back\\slash {brace}, comma NULL ☃ 🎟️'
      // Identity fields refuse control characters; metadata may hold any text.
      const metadata = {
        awkward,
        lines: 'one\ntwo\r\n\tthree',
        nested: { 'k,"}': ['{', '}', '\\', null, 'NULL', ''] },
      }
      const logged = await audit.log({
        action: 'doc.rename',
        category: 'data_modification',
        actor: { id: 'u "1" \\{x}', name: awkward },
        target: { type: 'doc{1}', id: awkward, name: awkward },
        metadata,
      })
      const { events } = await audit.query({})
      const found = events.find((event) => event.seq === logged.seq)
      expect(found?.actor).toMatchObject({ id: 'u "1" \\{x}', name: awkward })
      expect(found?.target).toEqual({ type: 'doc{1}', id: awkward, name: awkward })
      expect(found?.metadata).toEqual(metadata)
      expect(await audit.verify()).toMatchObject({ ok: true, failures: [] })
    },
  ),

  logCase(
    'group-commits concurrent calls: each resolves after commit with a distinct seq',
    async ({ make, store }) => {
      const audit = await make()
      const results = await Promise.all(
        Array.from({ length: 250 }, (_, i) =>
          audit.logDataAccess({ actor: { id: `u_${i % 7}` }, target: { type: 'doc', id: `d${i}` } }),
        ),
      )
      expect(results.map((r) => r.seq).sort((a, b) => a - b)).toEqual(
        Array.from({ length: 250 }, (_, i) => i + 1),
      )
      const [head] = await store.heads('')
      expect(head?.seq).toBe(250)
      const verdict = await audit.verify()
      expect(verdict).toMatchObject({ ok: true, checked: 250, headSeq: 250, failures: [] })
    },
  ),

  logCase('keeps one gap-free chain per tenant', async ({ make }) => {
    const audit = await make()
    await Promise.all([
      audit.log({ action: 'doc.view', category: 'data_access', actor, tenantId: 'acme' }),
      audit.log({ action: 'doc.view', category: 'data_access', actor, tenantId: 'globex' }),
      audit.log({ action: 'doc.edit', category: 'data_modification', actor, tenantId: 'acme' }),
    ])
    const acme = await audit.query({ tenantId: 'acme' })
    const globex = await audit.query({ tenantId: 'globex' })
    expect(acme.events.map((e) => [e.chainId, e.seq])).toEqual([
      ['acme', 2],
      ['acme', 1],
    ])
    expect(globex.events.map((e) => e.seq)).toEqual([1])
    expect(globex.events.every((e) => e.tenantId === 'globex')).toBe(true)
    const verdict = await audit.verify()
    expect(verdict.ok).toBe(true)
    expect(verdict.chains.map((c) => c.chainId)).toEqual(['acme', 'globex'])
  }),

  logCase('filters and pages with a cursor, newest first', async ({ make }) => {
    const audit = await make()
    for (let i = 0; i < 7; i++)
      await audit.log({
        action: i % 2 ? 'doc.view' : 'doc.edit',
        category: i % 2 ? 'data_access' : 'data_modification',
        outcome: i === 3 ? 'failure' : 'success',
        actor: { id: `u_${i % 3}` },
        target: { type: 'doc', id: `d${i % 2}` },
        occurredAt: Date.UTC(2026, 0, 1 + i),
      })
    const first = await audit.query({ action: 'doc.view', limit: 2 })
    expect(first.events.map((e) => e.seq)).toEqual([6, 4])
    expect(first.nextCursor).toBeTypeOf('string')
    const second = await audit.query({ action: 'doc.view', limit: 2, cursor: first.nextCursor as string })
    expect(second.events.map((e) => e.seq)).toEqual([2])
    expect(second.nextCursor).toBeUndefined()
    expect((await audit.query({ outcome: 'failure' })).events.map((e) => e.seq)).toEqual([4])
    expect((await audit.query({ actorId: 'u_0' })).events.map((e) => e.seq)).toEqual([7, 4, 1])
    expect((await audit.query({ targetType: 'doc', targetId: 'd1' })).events).toHaveLength(3)
    expect((await audit.query({ actionPrefix: 'doc.e', category: 'data_modification' })).events).toHaveLength(
      4,
    )
    const window = await audit.query({ from: '2026-01-02T00:00:00Z', to: new Date(Date.UTC(2026, 0, 4)) })
    expect(window.events.map((e) => e.seq)).toEqual([3, 2])
  }),

  logCase('rejects an invalid event naming the field and writes nothing', async ({ make, store }) => {
    const audit = await make()
    const error = await audit
      .log({ action: 'user.login', category: 'authentication', actor: { id: '' } })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(AuditError)
    expect((error as AuditError).code).toBe('AUDIT_INVALID_EVENT')
    expect((error as AuditError).message).toContain('actor.id')
    expect(await store.heads()).toEqual([])
  }),

  logCase('writes nothing when sealing a batch fails', async ({ store }) => {
    await expect(
      store.append({
        chains: [{ chainId: 'x', count: 1 }],
        subjects: [],
        seal: () => {
          throw new Error('boom')
        },
      }),
    ).rejects.toThrow()
    expect(await store.heads('x')).toEqual([])
    expect(await store.readChain('x', { afterSeq: 0, limit: 10 })).toEqual([])
  }),

  logCase(
    'encrypts personal fields, reads them back, and erases them on forgetSubject while the chain verifies',
    async ({ make, store }) => {
      const audit = await make()
      await audit.logLogin({ actor, tenantId: 'acme' })
      await audit.logLogin({ actor: { id: 'u_2', name: 'Grace' }, tenantId: 'acme' })
      const [raw] = await store.readChain('acme', { afterSeq: 0, limit: 1 })
      expect(raw?.body).not.toContain('ada@example.com')
      expect(raw?.body).not.toContain('Ada Lovelace')
      const before = await audit.query({ tenantId: 'acme', actorId: 'u_1' })
      expect(before.events[0]?.actor).toMatchObject({
        name: 'Ada Lovelace',
        email: 'ada@example.com',
        ip: '203.0.113.7',
      })
      expect(await audit.forgetSubject('u_1', { tenantId: 'acme' })).toEqual({ erased: true })
      const after = await audit.query({ tenantId: 'acme', actorId: 'u_1' })
      expect(after.events[0]?.actor).toMatchObject({ id: 'u_1', name: ERASED, email: ERASED, ip: ERASED })
      expect(after.events[0]?.erased).toBe(true)
      expect((await audit.query({ tenantId: 'acme', actorId: 'u_2' })).events[0]?.actor.name).toBe('Grace')
      expect((await audit.query({ tenantId: 'acme', action: 'gdpr.erasure' })).events).toHaveLength(1)
      expect((await audit.verify()).ok).toBe(true)
    },
  ),

  logCase('deletes old events through an anchor, audits it, and still verifies', async ({ make, store }) => {
    let now = Date.UTC(2026, 0, 1)
    const clock = {
      now: () => now,
      sleep: async () => {},
      setTimeout: (fn: () => void) => setTimeout(fn, 0),
      clearTimeout: (handle: unknown) => clearTimeout(handle as NodeJS.Timeout),
    }
    const audit = await make({ clock })
    for (let i = 0; i < 5; i++) await audit.logDataAccess({ actor })
    now = Date.UTC(2026, 6, 1)
    for (let i = 0; i < 3; i++) await audit.logDataAccess({ actor })
    const result = await audit.applyRetention({ events: { olderThan: new Date(Date.UTC(2026, 3, 1)) } })
    expect(result).toMatchObject({ removed: { events: 5 }, anchorSeq: 5 })
    expect((await store.anchor(''))?.seq).toBe(5)
    const rest = await audit.query({ limit: 100 })
    expect(rest.events.map((e) => e.seq)).toEqual([9, 8, 7, 6])
    expect(rest.events[0]?.action).toBe('audit.retention')
    const verdict = await audit.verify()
    expect(verdict).toMatchObject({ ok: true, headSeq: 9, checked: 4 })
    expect(
      (await audit.applyRetention({ events: { olderThan: new Date(Date.UTC(2026, 3, 1)) } })).removed.events,
    ).toBe(0)
  }),

  logCase(
    'makes signed C2SP checkpoints every N events and on close, which another store on the data reads back',
    async ({ make, reopen }) => {
      const { privateKey, publicKey } = generateKeyPairSync('ed25519')
      const seen: AuditCheckpoint[] = []
      const audit = await make({
        signingKey: privateKey,
        checkpointEvery: 3,
        onCheckpoint: (checkpoint) => {
          seen.push(checkpoint)
        },
      })
      for (let i = 0; i < 4; i++) await audit.logAdminAction({ actor })
      expect(seen.map((c) => [c.size, c.reason])).toEqual([[3, 'interval']])
      await audit.close()
      expect(seen.map((c) => [c.size, c.reason])).toEqual([
        [3, 'interval'],
        [4, 'close'],
      ])
      const parsed = parseCheckpoint(seen[1]?.text as string)
      expect(parsed.origin).toBe('opskit-audit')
      expect(parsed.signatures).toHaveLength(1)
      const again = await reopen()
      expect((await again.checkpoints('')).map((c) => c.seq)).toEqual([3, 4])
      const reopened = await make({}, again)
      expect((await reopened.verify({ publicKey, checkpoint: seen.map((c) => c.text) })).ok).toBe(true)
      const { publicKey: other } = generateKeyPairSync('ed25519')
      const forged = await reopened.verify({ publicKey: other })
      expect(forged.failures.map((f) => [f.seq, f.kind])).toEqual([
        [3, 'bad-signature'],
        [4, 'bad-signature'],
      ])
    },
    'reopen',
  ),

  logCase('requires tenantId everywhere with tenantMode required', async ({ make }) => {
    const audit = await make({ tenantMode: 'required' })
    await expect(audit.logLogin({ actor })).rejects.toMatchObject({ code: 'AUDIT_TENANT_REQUIRED' })
    await expect(audit.query({})).rejects.toMatchObject({ code: 'AUDIT_TENANT_REQUIRED' })
    await audit.logLogin({ actor, tenantId: 'acme' })
    await audit.logLogin({ actor, tenantId: 'globex' })
    const page = await audit.query({ tenantId: 'acme' })
    expect(page.events.map((e) => e.tenantId)).toEqual(['acme'])
  }),

  logCase('summarises an actor and a period', async ({ make }) => {
    const audit = await make()
    await audit.logLogin({ actor, outcome: 'failure', occurredAt: '2026-01-01T10:00:00Z' })
    await audit.logLogin({ actor, occurredAt: '2026-01-01T10:01:00Z' })
    await audit.logExport({ actor, personalData: true, occurredAt: '2026-01-01T10:02:00Z' })
    await audit.logPermissionChange({ actor: { id: 'admin' }, occurredAt: '2026-01-01T10:03:00Z' })
    const summary = await audit.activitySummary('u_1')
    expect(summary).toEqual({
      total: 3,
      lastActivity: '2026-01-01T10:02:00.000Z',
      byAction: { 'user.login': 2, 'data.export': 1 },
      byOutcome: { success: 2, failure: 1 },
    })
    const compliance = await audit.complianceSummary({
      from: '2026-01-01T00:00:00Z',
      to: '2026-01-02T00:00:00Z',
    })
    expect(compliance).toMatchObject({
      total: 4,
      failedLogins: 1,
      privilegedActions: 1,
      personalDataExports: 1,
      byCategory: { authentication: 2, export: 1, permission_change: 1 },
    })
  }),
]

/**
 * Runs {@link auditStoreConformanceCases} with vitest on core's store conformance harness.
 *
 * @example
 * ```ts
 * runAuditStoreConformance({ name: 'my store', create: () => createMyAuditStore(), reopen: () => openMyAuditStore() })
 * ```
 */
export function runAuditStoreConformance(options: AuditStoreConformanceOptions): void {
  runStoreConformance('AuditStore conformance', options, auditStoreConformanceCases)
}
