import { text } from 'node:stream/consumers'
import { isOpskitError } from '@opskit/core'
import { openSqlite } from '@opskit/core/sqlite'
import { afterAll, beforeAll, describe, expect, expectTypeOf, it } from 'vitest'
import { z } from 'zod'
import {
  createMemoryStorage,
  createReports,
  defineReport,
  type Reports,
  type RunResult,
} from '../src/index.js'
import { createMemoryReportsStore } from '../src/testing/index.js'

const counted = defineReport({
  name: 'counted',
  title: 'Counted',
  params: z.object({ n: z.number().int().min(0), label: z.string().default('row') }),
  columns: [
    { key: 'i', header: 'I', type: 'integer' },
    { key: 'label', header: 'Label', type: 'string' },
  ],
  query: (_db, params) => {
    // The query sees the parsed params: the default filled in.
    expectTypeOf(params).toEqualTypeOf<{ n: number; label: string }>()
    return (async function* () {
      for (let i = 0; i < params.n; i++) yield { i, label: params.label }
    })()
  },
})

describe('typed report registry', () => {
  const db = openSqlite(':memory:')
  let reports: Reports
  beforeAll(async () => {
    reports = await createReports({ db, store: createMemoryReportsStore(), storage: createMemoryStorage() })
  })
  afterAll(async () => {
    await reports.close()
    await db.destroy()
  })

  it('types run, stream, export and schedule params from the definition', () => {
    // Callers pass the schema's input: fields with a default are optional.
    expectTypeOf(reports.run(counted, { n: 2 }, { format: 'csv' })).toEqualTypeOf<Promise<RunResult>>()
    const typeOnly = () => {
      // @ts-expect-error n must be a number
      void reports.run(counted, { n: 'two' }, { format: 'csv' })
      // @ts-expect-error n is required
      void reports.run(counted, {}, { format: 'csv' })
      // @ts-expect-error unknown field
      void reports.run(counted, { n: 1, extra: true }, { format: 'csv' })
      // @ts-expect-error label must be a string
      reports.stream(counted, { n: 1, label: 3 }, { format: 'csv' })
      // @ts-expect-error filters typed by the entity
      void reports.export({ entity: counted, filters: { n: 'x' }, format: 'csv' })
      // @ts-expect-error params typed by the report
      void reports.schedule({ report: counted, params: { n: false }, cron: '0 * * * *', format: 'csv' })
      // By name, params are checked at run time only.
      void reports.run('counted', { anything: true }, { format: 'csv' })
    }
    expect(typeof typeOnly).toBe('function')
  })

  it('runs a definition without registering it first, then finds it by name', async () => {
    const result = await reports.run(counted, { n: 3 }, { format: 'csv' })
    expect(result.rows).toBe(3)
    const csv = await text(reports.stream('counted', { n: 1, label: 'x' }, { format: 'csv' }))
    expect(csv).toBe('"I","Label"\r\n0,"x"\r\n')
    expect((await reports.history({ report: 'counted' }))[0]?.params).toEqual({ n: 3, label: 'row' })
    // The same definition object again is fine; registering it explicitly now is a duplicate.
    expect((await reports.run(counted, { n: 0 }, { format: 'csv' })).rows).toBe(0)
    expect(() => reports.register(counted)).toThrow(/already registered/)
  })

  it('refuses another definition under a registered name', async () => {
    const impostor = defineReport({
      name: 'counted',
      title: 'Another',
      params: z.object({}),
      columns: [{ key: 'i', header: 'I', type: 'integer' }],
      query: async function* () {},
    })
    const error = await reports.run(impostor, {}, { format: 'csv' }).catch((e: unknown) => e)
    expect(isOpskitError(error, 'REPORTS_INVALID_DEFINITION')).toBe(true)
  })
})
