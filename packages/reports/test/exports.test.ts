import { openSqlite } from '@opskit/core/sqlite'
import { afterAll, describe, expect, it } from 'vitest'
import { z } from 'zod'
import {
  createMemoryStorage,
  createReports,
  defineReport,
  type ExportProgress,
  type ReportRow,
} from '../src/index.js'
import { createMemoryReportsStore } from '../src/testing/index.js'

const memoryDb = openSqlite(':memory:')
afterAll(() => memoryDb.destroy())

function gate() {
  let open: () => void = () => {}
  const opened = new Promise<void>((resolve) => (open = resolve))
  return { open, opened }
}

const gates = new Map<string, ReturnType<typeof gate>>()

const orders = defineReport({
  name: 'orders-export',
  title: 'Orders export',
  params: z.object({ count: z.number().int().min(0), gate: z.string().optional() }),
  columns: [
    { key: 'id', header: 'ID', type: 'integer' },
    { key: 'total', header: 'Total', type: 'money', format: { currency: 'EUR' } },
  ],
  query: (_db, params) =>
    (async function* (): AsyncGenerator<ReportRow> {
      for (let id = 1; id <= params.count; id++) {
        if (id === 1500 && params.gate) await gates.get(params.gate)?.opened
        yield { id, total: id * 2 }
      }
    })(),
  estimate: async (_db, params) => params.count,
})

async function setup(exportConcurrency = 2) {
  const storage = createMemoryStorage()
  const reports = await createReports({
    db: memoryDb,
    store: createMemoryReportsStore(),
    storage,
    exportConcurrency,
  })
  reports.register(orders)
  return { reports, storage }
}

describe('export jobs', () => {
  it('reports progress against the estimate and resolves done with the stored result', async () => {
    const { reports, storage } = await setup()
    const job = await reports.export({ entity: 'orders-export', filters: { count: 4200 }, format: 'csv' })
    const events: ExportProgress[] = []
    job.on('progress', (p) => events.push(p))
    const result = await job.done
    expect(result.rows).toBe(4200)
    expect(result.artifactId).toBe(job.id)
    expect(events.map((e) => e.rows)).toEqual([0, 1000, 2000, 3000, 4000, 4200])
    expect(events.every((e) => e.estimated === 4200)).toBe(true)
    expect(storage.keys()).toContain(`reports._.${job.id}.csv`)
    expect((await reports.history({ report: 'orders-export' }))[0]).toMatchObject({
      status: 'succeeded',
      rows: 4200,
    })
    await reports.close()
  })

  it('cancels a running export: done rejects, the run is cancelled, nothing is stored', async () => {
    const { reports, storage } = await setup()
    gates.set('c', gate())
    const job = await reports.export({
      entity: 'orders-export',
      filters: { count: 5000, gate: 'c' },
      format: 'ndjson',
    })
    await new Promise<void>((resolve) => job.on('progress', (p) => p.rows >= 1000 && resolve()))
    job.cancel()
    gates.get('c')?.open()
    await expect(job.done).rejects.toMatchObject({ code: 'REPORTS_CANCELLED' })
    const [run] = await reports.history({ report: 'orders-export' })
    expect(run?.status).toBe('cancelled')
    expect(storage.keys()).toEqual([])
    await reports.close()
  })

  it('limits how many exports run at once; queued jobs can be cancelled', async () => {
    const { reports } = await setup(1)
    gates.set('first', gate())
    const first = await reports.export({
      entity: 'orders-export',
      filters: { count: 2000, gate: 'first' },
      format: 'csv',
    })
    const second = await reports.export({ entity: 'orders-export', filters: { count: 10 }, format: 'csv' })
    const third = await reports.export({ entity: 'orders-export', filters: { count: 10 }, format: 'csv' })
    let secondStarted = false
    second.on('progress', () => (secondStarted = true))
    await new Promise<void>((resolve) => first.on('progress', (p) => p.rows >= 1000 && resolve()))
    await new Promise((resolve) => setTimeout(resolve, 50))
    expect(secondStarted).toBe(false)
    third.cancel()
    await expect(third.done).rejects.toMatchObject({ code: 'REPORTS_CANCELLED' })
    gates.get('first')?.open()
    await first.done
    expect((await second.done).rows).toBe(10)
    expect(secondStarted).toBe(true)
    await reports.close()
  })

  it('rejects unknown entities and bad filters', async () => {
    const { reports } = await setup()
    await expect(reports.export({ entity: 'nope', filters: {}, format: 'csv' })).rejects.toMatchObject({
      code: 'REPORTS_NOT_FOUND',
    })
    await expect(
      reports.export({ entity: 'orders-export', filters: { count: -1 }, format: 'csv' }),
    ).rejects.toMatchObject({ code: 'REPORTS_INVALID_PARAMS', message: expect.stringContaining('count') })
    await reports.close()
  })
})

describe('renderer options', () => {
  it('a CSV renderer passed in renderers replaces the built-in one', async () => {
    const { buffer } = await import('node:stream/consumers')
    const { createCsvRenderer } = await import('../src/index.js')
    const reports = await createReports({
      db: memoryDb,
      store: createMemoryReportsStore(),
      storage: createMemoryStorage(),
      locale: 'de-DE',
      renderers: [createCsvRenderer({ bom: true, delimiter: ';', localized: true })],
    })
    reports.register(orders)
    // Read bytes: TextDecoder (and so `text()`) would strip the BOM.
    const csv = (await buffer(reports.stream('orders-export', { count: 2 }, { format: 'csv' }))).toString(
      'utf8',
    )
    expect(csv).toBe('\uFEFF"ID";"Total"\r\n1;2,00\u00a0€\r\n2;4,00\u00a0€\r\n')
    await reports.close()
  })
})
