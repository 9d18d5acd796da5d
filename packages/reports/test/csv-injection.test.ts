// CSV formula injection through the list separator (issue 16 item 14): a spreadsheet whose list
// separator differs from the file's delimiter (Excel uses `;` in most of continental Europe)
// splits a field at that separator, so every piece of a text field must be safe on its own.
import { Writable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { createCsvRenderer, defineReport, type ReportRow } from '../src/index.js'
import { createRenderInput } from '../src/runner/render-input.js'
import { python, readCsvWithPython } from './python-readers.js'

const DDE = `=cmd|'/C calc'!A0`
const PAYLOADS = [
  `x;${DDE}`,
  `x,${DDE}`,
  `x\t${DDE}`,
  `x|${DDE}`,
  `a;-2+3;@SUM(A1);+1`,
  `safe;"${DDE}"`,
  `safe;""${DDE}`,
  `line\n${DDE}`,
  `crlf\r\n${DDE}`,
  `x;\t${DDE}`,
  DDE,
  'plain text, nothing to see',
]

const definition = defineReport({
  name: 'injection',
  title: 'Injection',
  params: z.object({}),
  columns: [
    { key: 'id', header: 'ID', type: 'integer' },
    { key: 'note', header: 'Note', type: 'string' },
    { key: 'amount', header: 'Amount', type: 'decimal' },
    { key: 'label', header: 'Label', type: 'string' },
  ],
  query: () => rows(),
})

async function* rows(): AsyncGenerator<ReportRow> {
  for (const [i, text] of PAYLOADS.entries()) yield { id: i + 1, note: text, amount: -2.5, label: text }
}

async function render(delimiter: string): Promise<string> {
  const chunks: Buffer[] = []
  const out = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk)
      callback()
    },
  })
  const input = createRenderInput({
    definition,
    params: {},
    rows: rows(),
    generatedAt: new Date('2026-03-01T00:00:00Z'),
    locale: 'en-US',
    timeZone: 'UTC',
  })
  await createCsvRenderer({ delimiter }).render(input, out)
  return Buffer.concat(chunks).toString('utf8')
}

const TRIGGER = /^[=+\-@\t\r\n]/
const PLAIN_NUMBER = /^-?\d+(\.\d+)?$/

describe.runIf(python)('CSV formula injection across list separators', () => {
  for (const written of [',', ';', '\t']) {
    for (const read of [';', ',', '\t']) {
      it(`written with ${JSON.stringify(written)}, split with ${JSON.stringify(read)}: no field starts a formula`, async () => {
        const text = await render(written)
        const records = readCsvWithPython(text, read)
        const live = records.flat().filter((field) => TRIGGER.test(field) && !PLAIN_NUMBER.test(field))
        expect(live).toEqual([])
      })
    }
  }

  it('keeps the data readable with the delimiter it was written with', async () => {
    const records = readCsvWithPython(await render(','), ',')
    expect(records).toHaveLength(PAYLOADS.length + 1)
    for (const record of records.slice(1)) expect(record).toHaveLength(4)
    expect(records[1]).toEqual(['1', `x;'${DDE}`, '-2.5', `x;'${DDE}`])
    expect(records[11]?.[1]).toBe(`'${DDE}`)
    expect(records[12]?.[1]).toBe('plain text, nothing to see')
  })
})

describe('CSV quoting', () => {
  it('quotes machine values when the delimiter can occur in them', async () => {
    const text = await render('.')
    const [, first] = text.split('\r\n')
    expect(first?.startsWith('1."x;\'=cmd')).toBe(true)
    expect(first).toContain('."-2.5".')
  })
})
