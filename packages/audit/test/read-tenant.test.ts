import { describe, expect, it } from 'vitest'
import { createMemoryAuditStore } from '../src/testing/index.js'
import { createAuditLog } from './helpers.js'

const actor = { id: 'u_1' }
const viewer = { id: 'auditor', role: 'compliance' }
/** A log on a fresh memory store under `tenantMode` (audit's default, 'optional', when absent). */
const openLog = (tenantMode?: 'off' | 'optional' | 'required') =>
  createAuditLog({
    store: createMemoryAuditStore(),
    auditReads: false,
    ...(tenantMode ? { tenantMode } : {}),
  })

describe("reads, retention and erasure check their tenant with core's rule", () => {
  it("'optional': a read without a tenant spans the whole log; with one, only that tenant", async () => {
    const audit = await openLog()
    await audit.logLogin({ actor, tenantId: 'acme' })
    await audit.logLogin({ actor, tenantId: 'globex' })
    await audit.logLogin({ actor })
    const all = await audit.query({ viewer })
    expect(all.events.map((e) => e.tenantId ?? '').sort()).toEqual(['', 'acme', 'globex'])
    expect((await audit.query({ tenantId: 'globex', viewer })).events.map((e) => e.tenantId)).toEqual([
      'globex',
    ])
    await audit.close()
  })

  it('a malformed tenant id is AUDIT_INVALID_QUERY on every read-side call, before anything runs', async () => {
    const audit = await openLog()
    await audit.logLogin({ actor: { id: 'u_2' }, tenantId: 'acme' })
    for (const bad of ['', 'acme corp', 't'.repeat(129), "acme'--"]) {
      const refused = {
        code: 'AUDIT_INVALID_QUERY',
        message: expect.stringMatching(/invalid query: tenantId must/),
      }
      await expect(audit.query({ tenantId: bad })).rejects.toMatchObject(refused)
      await expect(audit.forgetSubject('u_2', { tenantId: bad })).rejects.toMatchObject(refused)
      await expect(
        audit.applyRetention({ events: { olderThan: '1d' } }, { tenantId: bad }),
      ).rejects.toMatchObject(refused)
    }
    expect((await audit.query({ tenantId: 'acme', actorId: 'u_2' })).events[0]?.actor.id).toBe('u_2')
    await audit.close()
  })

  it("'required': reads and erasure without a tenant are AUDIT_TENANT_REQUIRED; retention spans all tenants", async () => {
    const audit = await openLog('required')
    await audit.logLogin({ actor, tenantId: 'acme' })
    await expect(audit.query({})).rejects.toMatchObject({ code: 'AUDIT_TENANT_REQUIRED' })
    await expect(audit.forgetSubject('u_1')).rejects.toMatchObject({ code: 'AUDIT_TENANT_REQUIRED' })
    const report = await audit.applyRetention({ events: { olderThan: '1d' } })
    expect(report.removed.events).toBe(0)
    expect((await audit.query({ tenantId: 'acme' })).events).toHaveLength(1)
    await audit.close()
  })

  it("'off': naming a tenant in a read, erasure or retention is AUDIT_INVALID_QUERY", async () => {
    const audit = await openLog('off')
    const refused = { code: 'AUDIT_INVALID_QUERY', message: expect.stringMatching(/tenantMode is off/) }
    await expect(audit.query({ tenantId: 'acme' })).rejects.toMatchObject(refused)
    await expect(audit.forgetSubject('u_1', { tenantId: 'acme' })).rejects.toMatchObject(refused)
    await expect(
      audit.applyRetention({ events: { olderThan: '1d' } }, { tenantId: 'acme' }),
    ).rejects.toMatchObject(refused)
    await audit.close()
  })
})

describe("log() checks an event's tenant with the same rule", () => {
  it("'required' refuses an event without a tenant, 'off' one with a tenant; nothing is written", async () => {
    const required = await openLog('required')
    await expect(required.logLogin({ actor })).rejects.toMatchObject({
      code: 'AUDIT_TENANT_REQUIRED',
      message: expect.stringContaining('invalid audit event: tenantId is required (tenantMode: required)'),
    })
    expect((await required.query({ tenantId: 'acme', viewer })).events).toHaveLength(0)
    await required.logLogin({ actor, tenantId: 'acme' })
    expect((await required.query({ tenantId: 'acme', viewer })).events).toHaveLength(1)
    await required.close()

    const off = await openLog('off')
    await expect(off.logLogin({ actor, tenantId: 'acme' })).rejects.toMatchObject({
      code: 'AUDIT_INVALID_EVENT',
      message: expect.stringContaining('invalid audit event: tenantId given but tenantMode is off'),
      details: { issues: [{ path: 'tenantId' }] },
    })
    expect((await off.query({ viewer })).events).toHaveLength(0)
    await off.close()
  })
})
