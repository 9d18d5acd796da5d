// Secure download links for any stored object (issue 18 §4): an invoice PDF the host put in the
// storage adapter gets the same hashed token, expiry, limit, IP binding, race-safety and audit.
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { buffer } from 'node:stream/consumers'
import { createFakeClock } from '@opskit/core/testing'
import { forEachDialect } from '@opskit/test-support'
import { sql } from 'kysely'
import { afterAll, beforeAll, expect, it } from 'vitest'
import { createFilesystemStorage, createReports, type ReportAuditEvent, type Reports } from '../src/index.js'

const INVOICE = Buffer.from('%PDF-1.7\n% an invoice\n%%EOF\n')
const target = {
  storageKey: 'invoice-2026-0042.pdf',
  filename: 'Rechnung 2026-0042 – März "final".pdf',
  contentType: 'application/pdf',
}

forEachDialect('download links for stored objects', ({ db, dialect }) => {
  let reports: Reports
  let dir: string
  const audited: ReportAuditEvent[] = []
  const clock = createFakeClock(new Date('2026-03-01T09:00:00Z'))

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'reports-objects-'))
    const storage = createFilesystemStorage({ directory: dir })
    await storage.write(target.storageKey, Readable.from([INVOICE]), { contentType: target.contentType })
    reports = await createReports({
      db: db(),
      storage,
      clock,
      audit: { log: (event) => void audited.push(event) },
      downloadBaseUrl: 'https://host.example/dl',
    })
  })
  afterAll(async () => {
    await reports?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it(`serves the object with its type and name, at most maxDownloads times, on ${dialect}`, async () => {
    const link = await reports.createDownloadLink(target, { expiresInMs: 600_000, maxDownloads: 2 })
    expect(link.url).toBe(`https://host.example/dl/${link.token}`)
    expect(link.artifactId).toMatch(/^object-[0-9a-f]{32}$/)
    const first = await reports.redeem(link.token, { ip: '198.51.100.4' })
    expect(await buffer(first.stream)).toEqual(INVOICE)
    expect(first).toMatchObject({ contentType: 'application/pdf', filename: target.filename })
    expect(first.headers).toEqual({
      'content-type': 'application/pdf',
      'content-disposition': `attachment; filename="Rechnung 2026-0042 _ M_rz _final_.pdf"; filename*=UTF-8''Rechnung%202026-0042%20%E2%80%93%20M%C3%A4rz%20%22final%22.pdf`,
      'cache-control': 'no-store',
      'x-content-type-options': 'nosniff',
    })
    expect(decodeURIComponent(first.headers['content-disposition']?.split("UTF-8''")[1] ?? '')).toBe(
      target.filename,
    )
    ;(await reports.redeem(link.token)).stream.resume()
    await expect(reports.redeem(link.token)).rejects.toMatchObject({ code: 'REPORTS_TOKEN_EXHAUSTED' })
    const created = audited.find(
      (e) => e.action === 'report.link.created' && e.target.type === 'stored_object',
    )
    expect(created?.target).toEqual({ type: 'stored_object', id: target.storageKey, name: target.filename })
    const downloads = audited.filter(
      (e) => e.action === 'report.download' && e.target.id === target.storageKey,
    )
    expect(downloads).toHaveLength(2)
    expect(audited.filter((e) => e.action === 'report.download.refused').at(-1)?.metadata).toEqual({
      reason: 'exhausted',
    })
    const redeems = await reports.store.listRedeems('', { artifactId: link.artifactId })
    expect(redeems.map((r) => r.outcome)).toEqual(['ok', 'ok', 'exhausted'])
  })

  it(`stores only the token's SHA-256, on ${dialect}`, async () => {
    const link = await reports.createDownloadLink(target)
    const rows = await sql<Record<string, unknown>>`select * from opskit_reports_tokens`.execute(db())
    const dump = JSON.stringify(rows.rows)
    expect(dump).not.toContain(link.token)
    expect(dump).toContain((await import('../src/downloads/tokens.js')).hashToken(link.token))
  })

  it(`30 parallel redeems of a 3-download object link succeed exactly 3 times, on ${dialect}`, async () => {
    const link = await reports.createDownloadLink(target, { maxDownloads: 3 })
    const outcomes = await Promise.allSettled(Array.from({ length: 30 }, () => reports.redeem(link.token)))
    const ok = outcomes.filter((o) => o.status === 'fulfilled')
    expect(ok).toHaveLength(3)
    for (const o of ok) (o as PromiseFulfilledResult<{ stream: Readable }>).value.stream.resume()
    const refused = outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[]
    expect(refused.every((o) => (o.reason as { code: string }).code === 'REPORTS_TOKEN_EXHAUSTED')).toBe(true)
  })

  it(`binds to an IP, expires and can be revoked, on ${dialect}`, async () => {
    const bound = await reports.createDownloadLink(target, {
      expiresInMs: 60_000,
      maxDownloads: 5,
      bindIp: '192.0.2.1',
    })
    await expect(reports.redeem(bound.token, { ip: '192.0.2.2' })).rejects.toMatchObject({
      code: 'REPORTS_TOKEN_IP_MISMATCH',
    })
    ;(await reports.redeem(bound.token, { ip: '192.0.2.1' })).stream.resume()
    const revocable = await reports.createDownloadLink(target, { maxDownloads: 5 })
    await reports.revokeDownloadLink(revocable.token)
    await expect(reports.redeem(revocable.token)).rejects.toMatchObject({
      code: 'REPORTS_TOKEN_INVALID',
      details: { reason: 'revoked' },
    })
    await clock.advance(61_000)
    await expect(reports.redeem(bound.token, { ip: '192.0.2.1' })).rejects.toMatchObject({
      code: 'REPORTS_TOKEN_EXPIRED',
    })
  })

  it(`refuses a missing object, a name that could break the header and a bad type, on ${dialect}`, async () => {
    await expect(reports.createDownloadLink({ ...target, storageKey: 'nope.pdf' })).rejects.toMatchObject({
      code: 'REPORTS_ARTIFACT_NOT_FOUND',
    })
    for (const filename of ['a\r\nSet-Cookie: x=1.pdf', '../../etc/passwd', 'a\\b.pdf', ''])
      await expect(reports.createDownloadLink({ ...target, filename }), filename).rejects.toMatchObject({
        code: 'REPORTS_INVALID_PARAMS',
        message: expect.stringContaining('filename'),
      })
    for (const contentType of ['pdf', 'text/html\r\nX-Evil: 1', 'application/pdf; charset="a\nb"'])
      await expect(reports.createDownloadLink({ ...target, contentType }), contentType).rejects.toMatchObject(
        {
          code: 'REPORTS_INVALID_PARAMS',
          message: expect.stringContaining('contentType'),
        },
      )
  })

  it(`a link whose object was deleted is refused and recorded, on ${dialect}`, async () => {
    const storage = createFilesystemStorage({ directory: dir })
    await storage.write('gone.pdf', Readable.from([INVOICE]), { contentType: 'application/pdf' })
    const link = await reports.createDownloadLink({ ...target, storageKey: 'gone.pdf' })
    await storage.delete('gone.pdf')
    await expect(reports.redeem(link.token)).rejects.toMatchObject({ code: 'REPORTS_ARTIFACT_NOT_FOUND' })
    expect(
      (await reports.store.listRedeems('', { artifactId: link.artifactId })).map((r) => r.outcome),
    ).toEqual(['missing'])
  })
})
