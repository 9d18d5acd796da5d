// CSV formula injection through the list separator (issue 16 item 14): a spreadsheet whose list
// separator is not `,` (Excel uses `;` in most of continental Europe) splits the audit export at
// that separator, so every piece of a text field must be safe on its own, not only its start.
// Python's csv module (an independent parser) reads the export back the way such a spreadsheet
// splits it.
import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'
import { text } from 'node:stream/consumers'
import { describe, expect, it } from 'vitest'
import { createMemoryAuditLog } from '../src/testing/index.js'
import { type AuditLog, csvCell } from './helpers.js'

const PYTHON = '/usr/bin/python3'
/** Reads CSV from stdin with `csv.reader` and the delimiter given, prints the records as JSON. */
const READ_CSV = [
  'import csv, io, json, sys',
  "handle = io.TextIOWrapper(sys.stdin.buffer, encoding='utf-8', newline='')",
  'print(json.dumps(list(csv.reader(handle, delimiter=sys.argv[1]))))',
].join('\n')

function readWithPython(csvText: string, delimiter: string): string[][] {
  const output = execFileSync(PYTHON, ['-c', READ_CSV, delimiter], { input: csvText, encoding: 'utf8' })
  return JSON.parse(output) as string[][]
}

const DDE = `=cmd|'/C calc'!A0`
/** Attacker-controlled free text: reasons, names and metadata an app takes from requests. */
const PAYLOADS = [
  `x;${DDE}`,
  `x,${DDE}`,
  `x|${DDE}`,
  `x\t${DDE}`,
  `a;-2+3;@SUM(A1);+1`,
  `safe;"${DDE}"`,
  `safe;""${DDE}`,
  `x; ${DDE}`,
  DDE,
]

async function exportWithPayloads(): Promise<{ audit: AuditLog; csv: string }> {
  const audit = await createMemoryAuditLog({ auditReads: false })
  for (const [i, payload] of PAYLOADS.entries()) {
    await audit.log({
      action: 'ticket.refund',
      category: 'payment',
      actor: { id: `u_${i}`, name: payload },
      target: { type: 'order', id: `o_${i}`, name: payload },
      reason: payload,
      metadata: { note: payload, amount: -2 },
    })
  }
  return { audit, csv: await text(audit.export({}, { format: 'csv' })) }
}

const TRIGGER = /^[=+\-@\t\r]/

describe.runIf(existsSync(PYTHON))('audit CSV export against formula injection', () => {
  for (const delimiter of [',', ';', '\t']) {
    it(`split with ${JSON.stringify(delimiter)}: no field starts a formula`, async () => {
      const { audit, csv } = await exportWithPayloads()
      await audit.close()
      const fields = readWithPython(csv, delimiter).flat()
      expect(fields.length).toBeGreaterThan(PAYLOADS.length)
      expect(fields.filter((field) => TRIGGER.test(field))).toEqual([])
    })
  }

  it('stays readable with its own delimiter: one record per event, every column', async () => {
    const { audit, csv } = await exportWithPayloads()
    await audit.close()
    const [header, ...records] = readWithPython(csv, ',')
    expect(records).toHaveLength(PAYLOADS.length)
    for (const record of records) expect(record).toHaveLength(header?.length ?? -1)
    const reason = header?.indexOf('reason') ?? -1
    const reasons = records.map((record) => record[reason]).reverse()
    expect(reasons[0]).toBe(`x;'${DDE}`)
    expect(reasons[4]).toBe(`a;'-2+3;'@SUM(A1);'+1`)
    expect(reasons[8]).toBe(`'${DDE}`)
  })
})

describe('csvCell', () => {
  it('quotes every text field and neutralises each piece; numbers stay plain', () => {
    expect(csvCell(`x;${DDE}`)).toBe(`"x;'${DDE}"`)
    expect(csvCell('plain')).toBe('"plain"')
    expect(csvCell('-2+3')).toBe(`"'-2+3"`)
    expect(csvCell(-2)).toBe('-2')
    expect(csvCell(17)).toBe('17')
    expect(csvCell(undefined)).toBe('')
  })
})
