import { type ChildProcess, fork } from 'node:child_process'
import { mkdtempSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { isOpskitError } from '@opskit/core'
import { openSqlite } from '@opskit/core/sqlite'
import { createFakeClock } from '@opskit/core/testing'
import { forEachDialect, openPostgres, tempSqlitePath } from '@opskit/test-support'
import { parse } from 'csv-parse/sync'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  createFilesystemStorage,
  createReports,
  defineReport,
  type ReportAuditEvent,
  type Reports,
} from '../src/index.js'

const items = defineReport({
  name: 'items',
  title: 'Items',
  params: z.object({ minQty: z.number().int().min(0), label: z.string().optional() }),
  columns: [
    { key: 'id', header: 'ID', type: 'integer' },
    { key: 'name', header: 'Name', type: 'string' },
    { key: 'qty', header: 'Qty', type: 'integer' },
    { key: 'price', header: 'Price', type: 'money', format: { currency: 'EUR' } },
  ],
  query: (db, params) =>
    db
      .selectFrom('items')
      .select(['id', 'name', 'qty', 'price'])
      .where('qty', '>=', params.minQty)
      .orderBy('id'),
  totals: { qty: 'sum', price: 'sum' },
})

const failing = defineReport({
  name: 'failing',
  title: 'Fails midway',
  params: z.object({}),
  columns: [{ key: 'n', header: 'N', type: 'integer' }],
  query: () =>
    (async function* () {
      for (let n = 0; n < 5000; n++) {
        if (n === 3000) throw new Error('database went away')
        yield { n }
      }
    })(),
})

forEachDialect('reports service', ({ db, dialect, location }) => {
  let reports: Reports
  let dir: string
  const audited: ReportAuditEvent[] = []
  const clock = createFakeClock(new Date('2026-03-01T09:00:00Z'))

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'reports-art-'))
    await db()
      .schema.createTable('items')
      .addColumn('id', 'integer', (c) => c.primaryKey())
      .addColumn('name', 'text')
      .addColumn('qty', 'integer')
      .addColumn('price', 'numeric(12, 2)')
      .execute()
    const rows = Array.from({ length: 2500 }, (_, i) => ({
      id: i + 1,
      name: i === 7 ? '=cmd|calc' : `item ${i + 1}`,
      qty: i % 10,
      price: ((i % 17) * 1.25).toFixed(2),
    }))
    for (let i = 0; i < rows.length; i += 500)
      await db()
        .insertInto('items')
        .values(rows.slice(i, i + 500))
        .execute()
    reports = await createReports({
      db: db(),
      storage: createFilesystemStorage({ directory: dir }),
      clock,
      audit: { log: (event) => void audited.push(event) },
      downloadBaseUrl: 'https://host.example/dl/',
    })
    reports.register(items)
    reports.register(failing)
  })
  afterAll(async () => {
    await reports?.close()
    rmSync(dir, { recursive: true, force: true })
  })

  it('runs a report to storage with history, totals and a sha256', async () => {
    const result = await reports.run('items', { minQty: 5 }, { format: 'csv' })
    expect(result.rows).toBe(1250)
    const agg = await db()
      .selectFrom('items')
      .select((eb) => [eb.fn.sum<number>('qty').as('qty'), eb.fn.sum<string>('price').as('price')])
      .where('qty', '>=', 5)
      .executeTakeFirstOrThrow()
    expect(result.totals).toHaveLength(1)
    expect(result.totals[0]?.currency).toBe('EUR')
    expect(result.totals[0]?.values.qty).toBe(Number(agg.qty))
    expect(result.totals[0]?.values.price).toBeCloseTo(Number(agg.price), 6)
    const [run] = await reports.history({ report: 'items' })
    expect(run).toMatchObject({
      id: result.artifactId,
      status: 'succeeded',
      rows: 1250,
      bytes: result.bytes,
      format: 'csv',
    })
    const link = await reports.createDownloadLink(result.artifactId)
    const download = await reports.redeem(link.token)
    const body = await text(download.stream)
    expect(Buffer.byteLength(body)).toBe(result.bytes)
    const parsed = parse(body) as string[][]
    expect(parsed).toHaveLength(1252)
    expect(parsed[1251]?.slice(0, 3)).toEqual(['Total', '', String(result.totals[0]?.values.qty)])
    expect(parsed[1]).toEqual(['6', 'item 6', '5', '6.25'])
    expect(download.headers['content-disposition']).toMatch(
      /^attachment; filename="(items-2026-03-01-[^"]*\.csv)"; filename\*=UTF-8''\1$/,
    )
    expect(download.headers['cache-control']).toBe('no-store')
  })

  it('streams ndjson and json with raw machine values', async () => {
    const nd = await text(reports.stream('items', { minQty: 9 }, { format: 'ndjson' }))
    const lines = nd
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line))
    expect(lines).toHaveLength(251)
    expect(lines[0]).toEqual({ id: 10, name: 'item 10', qty: 9, price: 11.25 })
    expect(lines[250]).toEqual({ $totals: { currency: 'EUR', qty: 9 * 250, price: expect.any(Number) } })
    const json = JSON.parse(await text(reports.stream('items', { minQty: 9 }, { format: 'json' })))
    expect(json).toEqual(lines)
    const empty = JSON.parse(await text(reports.stream('items', { minQty: 99 }, { format: 'json' })))
    expect(empty).toEqual([{ $totals: { currency: 'EUR', qty: 0, price: 0 } }])
  })

  it('rejects bad params with REPORTS_INVALID_PARAMS naming the field, writing nothing', async () => {
    const before = (await reports.history()).length
    const error = await reports.run('items', { minQty: 'lots' }, { format: 'csv' }).catch((e: unknown) => e)
    expect(isOpskitError(error, 'REPORTS_INVALID_PARAMS')).toBe(true)
    expect((error as Error).message).toContain('minQty')
    expect((await reports.history()).length).toBe(before)
    await expect(reports.run('nope', {}, { format: 'csv' })).rejects.toMatchObject({
      code: 'REPORTS_NOT_FOUND',
    })
    await expect(reports.run('items', { minQty: 1 }, { format: 'docx' })).rejects.toMatchObject({
      code: 'REPORTS_FORMAT_UNAVAILABLE',
    })
    await expect(reports.history({ from: '2026-01-01' as never })).rejects.toMatchObject({
      code: 'REPORTS_INVALID_PARAMS',
      message: expect.stringContaining('from'),
    })
  })

  it('a report failing mid-stream leaves no artifact and a failed run', async () => {
    const error = await reports.run('failing', {}, { format: 'csv' }).catch((e: unknown) => e)
    expect(isOpskitError(error, 'REPORTS_RENDER_FAILED')).toBe(true)
    const [run] = await reports.history({ report: 'failing' })
    expect(run).toMatchObject({ status: 'failed', error: 'database went away' })
    expect(readdirSync(dir).filter((f) => f.startsWith(run?.id ?? '-') || f.startsWith('.tmp'))).toEqual([])
    await expect(reports.createDownloadLink(run?.id ?? '')).rejects.toMatchObject({
      code: 'REPORTS_ARTIFACT_NOT_FOUND',
    })
  })

  it('50 parallel redeems of a 5-download link succeed exactly 5 times, every redeem recorded', async () => {
    const { artifactId } = await reports.run('items', { minQty: 9 }, { format: 'csv' })
    const link = await reports.createDownloadLink(artifactId, { expiresInMs: 600_000, maxDownloads: 5 })
    expect(link.url).toBe(`https://host.example/dl/${link.token}`)
    expect(link.token).toMatch(/^[A-Za-z0-9_-]{43}$/)
    const outcomes = await Promise.allSettled(
      Array.from({ length: 50 }, () => reports.redeem(link.token, { ip: '10.1.1.1', userAgent: 'test' })),
    )
    const ok = outcomes.filter((o) => o.status === 'fulfilled')
    expect(ok).toHaveLength(5)
    for (const o of ok)
      await text((o as PromiseFulfilledResult<{ stream: NodeJS.ReadableStream }>).value.stream as never)
    const refused = outcomes.filter((o) => o.status === 'rejected') as PromiseRejectedResult[]
    expect(refused.every((o) => (o.reason as { code: string }).code === 'REPORTS_TOKEN_EXHAUSTED')).toBe(true)
    const redeems = await reports.store.listRedeems('', { artifactId })
    expect(redeems).toHaveLength(50)
    expect(redeems.filter((r) => r.outcome === 'ok')).toHaveLength(5)
    expect(audited.filter((e) => e.action === 'report.download' && e.target.id === artifactId)).toHaveLength(
      5,
    )
  })

  it('refuses expired, tampered, unknown and wrong-IP tokens', async () => {
    const { artifactId } = await reports.run('items', { minQty: 9 }, { format: 'ndjson' })
    const link = await reports.createDownloadLink(artifactId, {
      expiresInMs: 60_000,
      maxDownloads: 3,
      bindIp: '192.0.2.1',
    })
    await expect(reports.redeem(link.token, { ip: '192.0.2.2' })).rejects.toMatchObject({
      code: 'REPORTS_TOKEN_IP_MISMATCH',
    })
    const tampered = (link.token[0] === 'A' ? 'B' : 'A') + link.token.slice(1)
    await expect(reports.redeem(tampered, { ip: '192.0.2.1' })).rejects.toMatchObject({
      code: 'REPORTS_TOKEN_INVALID',
    })
    await expect(reports.redeem('short', { ip: '192.0.2.1' })).rejects.toMatchObject({
      code: 'REPORTS_TOKEN_INVALID',
    })
    const ok = await reports.redeem(link.token, { ip: '192.0.2.1' })
    expect(ok.contentType).toBe('application/x-ndjson')
    ok.stream.resume()
    await clock.advance(61_000)
    await expect(reports.redeem(link.token, { ip: '192.0.2.1' })).rejects.toMatchObject({
      code: 'REPORTS_TOKEN_EXPIRED',
    })
    const stored = await reports.store.getToken(
      '',
      (await import('../src/downloads/tokens.js')).hashToken(link.token),
    )
    expect(stored?.downloadCount).toBe(1)
    const revocable = await reports.createDownloadLink(artifactId, { maxDownloads: 2 })
    await reports.revokeDownloadLink(revocable.token)
    await expect(reports.redeem(revocable.token)).rejects.toMatchObject({
      code: 'REPORTS_TOKEN_INVALID',
      details: { reason: 'revoked' },
    })
  })

  it.runIf(dialect === 'postgres')('releases the cursor connection when the reader stops early', async () => {
    const single = openPostgres(location(), 1)
    const small = await createReports({
      db: single,
      storage: createFilesystemStorage({ directory: dir }),
      clock,
    })
    small.register(items)
    const stream = small.stream('items', { minQty: 0 }, { format: 'csv' })
    for await (const _chunk of stream) break
    // With a pool of one, this only resolves once the cursor's transaction has ended.
    expect(Array.isArray(await small.history())).toBe(true)
    const again = await text(small.stream('items', { minQty: 9 }, { format: 'ndjson' }))
    expect(again.trim().split('\n')).toHaveLength(251)
    await small.close()
    await single.destroy()
  })

  it(`streams from a separate read connection on ${dialect} while writes go on`, async () => {
    const stream = reports.stream('items', { minQty: 0 }, { format: 'csv' })
    let first = true
    let lines = 0
    for await (const chunk of stream) {
      if (first) {
        first = false
        // A write on the main connection while the export cursor is open must not block.
        await db().insertInto('items').values({ id: 100000, name: 'late', qty: 1, price: '1.00' }).execute()
      }
      lines += String(chunk).split('\r\n').length - 1
    }
    expect(lines).toBeGreaterThanOrEqual(2501)
  })
})

/**
 * Starts `workers` processes on the same SQLite file and, once all are ready, lets each redeem
 * every token `attempts` times at the same moment; returns the outcomes per token.
 */
async function redeemFromProcesses(
  dbPath: string,
  dir: string,
  tokens: string[],
  workers: number,
  attempts: number,
): Promise<string[][]> {
  const children: ChildProcess[] = Array.from({ length: workers }, () =>
    fork(join(import.meta.dirname, 'fixtures/redeem-worker.ts'), [dbPath, dir, String(attempts), ...tokens], {
      cwd: import.meta.dirname,
      execArgv: ['--import', 'tsx'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    }),
  )
  const exited = children.map((child) => new Promise((resolve) => child.once('exit', resolve)))
  const message = (child: ChildProcess) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      child.once('message', (value) => resolve(value as Record<string, unknown>))
      child.once('exit', (code) => reject(new Error(`worker exited with ${code}`)))
    })
  await Promise.all(children.map(message))
  // Every worker is ready with its own connection: release them together.
  const results = children.map(message)
  for (const child of children) child.send('go')
  const perWorker = (await Promise.all(results)).map((result) => result.outcomes as string[][])
  await Promise.all(exited)
  return tokens.map((_, i) => perWorker.flatMap((outcomes) => outcomes[i] ?? []))
}

describe('SQLite download tokens redeemed from several processes', () => {
  const file = tempSqlitePath('race.db')
  const dir = mkdtempSync(join(tmpdir(), 'reports-race-'))
  afterAll(() => {
    file.cleanup()
    rmSync(dir, { recursive: true, force: true })
  })

  it('a 5-download link succeeds exactly 5 times, a single-use link once, a 3-download object link 3 times, across 4 processes', async () => {
    const db = openSqlite(file.path)
    const reports = await createReports({ db, storage: createFilesystemStorage({ directory: dir }) })
    reports.register(
      defineReport({
        name: 'tiny',
        title: 'Tiny',
        params: z.object({}),
        columns: [{ key: 'n', header: 'N', type: 'integer' }],
        query: async function* () {
          yield* [{ n: 1 }, { n: 2 }]
        },
      }),
    )
    const { artifactId } = await reports.run('tiny', {}, { format: 'csv' })
    const limited = await reports.createDownloadLink(artifactId, { maxDownloads: 5 })
    const single = await reports.createDownloadLink(artifactId, { maxDownloads: 1 })
    await createFilesystemStorage({ directory: dir }).write('invoice.pdf', Readable.from(['%PDF-1.7\n']), {
      contentType: 'application/pdf',
    })
    const invoice = await reports.createDownloadLink(
      { storageKey: 'invoice.pdf', filename: 'invoice.pdf', contentType: 'application/pdf' },
      { maxDownloads: 3 },
    )
    try {
      const [limitedOutcomes = [], singleOutcomes = [], invoiceOutcomes = []] = await redeemFromProcesses(
        file.path,
        dir,
        [limited.token, single.token, invoice.token],
        4,
        10,
      )
      expect(limitedOutcomes).toHaveLength(40)
      expect(limitedOutcomes.filter((o) => o === 'ok')).toHaveLength(5)
      expect(limitedOutcomes.filter((o) => o !== 'ok').every((o) => o === 'REPORTS_TOKEN_EXHAUSTED')).toBe(
        true,
      )
      expect(singleOutcomes.filter((o) => o === 'ok')).toHaveLength(1)
      expect(singleOutcomes.filter((o) => o !== 'ok').every((o) => o === 'REPORTS_TOKEN_EXHAUSTED')).toBe(
        true,
      )
      expect(invoiceOutcomes.filter((o) => o === 'ok')).toHaveLength(3)
      const { hashToken } = await import('../src/downloads/tokens.js')
      expect((await reports.store.getToken('', hashToken(limited.token)))?.downloadCount).toBe(5)
      expect((await reports.store.getToken('', hashToken(single.token)))?.downloadCount).toBe(1)
      const redeems = await reports.store.listRedeems('', { tokenHash: hashToken(limited.token) })
      expect(redeems).toHaveLength(40)
      expect(new Set(redeems.map((r) => r.userAgent)).size).toBe(4)
    } finally {
      await reports.close()
      await db.destroy()
    }
  }, 120_000)
})

describe('createReports configuration', () => {
  it('rejects an unknown time zone', async () => {
    const { openSqlite } = await import('@opskit/core/sqlite')
    const db = openSqlite(':memory:')
    await expect(createReports({ db, timeZone: 'Mars/Olympus' })).rejects.toMatchObject({
      code: 'REPORTS_INVALID_OPTIONS',
    })
    await db.destroy()
  })

  it('rejects bad options with REPORTS_INVALID_OPTIONS naming the option, creating no tables', async () => {
    const { openSqlite } = await import('@opskit/core/sqlite')
    const db = openSqlite(':memory:')
    const bad: [Partial<Parameters<typeof createReports>[0]>, string][] = [
      [{ exportConcurrency: 0 }, 'exportConcurrency'],
      [{ exportConcurrency: 1.5 }, 'exportConcurrency'],
      [{ locale: 'not a locale!' }, 'locale'],
      [{ readDb: {} as never }, 'readDb'],
    ]
    for (const [options, field] of bad) {
      const error = await createReports({ db, ...options }).catch((e: unknown) => e)
      expect(isOpskitError(error, 'REPORTS_INVALID_OPTIONS'), field).toBe(true)
      expect((error as Error).message).toContain(field)
    }
    const missingDb = await createReports({} as never).catch((e: unknown) => e)
    expect(isOpskitError(missingDb, 'REPORTS_INVALID_OPTIONS')).toBe(true)
    const tables = await db.introspection.getTables()
    expect(tables).toEqual([])
    await db.destroy()
  })
})
