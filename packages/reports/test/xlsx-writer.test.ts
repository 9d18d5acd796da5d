import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Writable } from 'node:stream'
import ExcelJS from 'exceljs'
import { describe, expect, it } from 'vitest'
import { z } from 'zod'
import { defineReport, type ReportColumn, type ReportRow } from '../src/index.js'
import { wallClock } from '../src/render/values.js'
import { createRenderInput } from '../src/runner/render-input.js'
import { createWallClockConverter, dateSerial, escapeXml, excelSerial } from '../src/xlsx/spreadsheet-ml.js'
import { createXlsxRenderer, type XlsxOptions } from '../src/xlsx/xlsx-renderer.js'
import { ZipWriter } from '../src/xlsx/zip-writer.js'
import { checkZip } from './zip-check.js'

/** `unzip -t` on the bytes: Info-ZIP tests every entry's CRC (`.ci/run` installs unzip; always run). */
function unzipTest(zip: Buffer): string {
  const dir = mkdtempSync(join(tmpdir(), 'reports-zip-'))
  try {
    const file = join(dir, 'out.zip')
    writeFileSync(file, zip)
    return execFileSync('unzip', ['-t', file], { encoding: 'utf8' })
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function collector(): { out: Writable; bytes: () => Buffer } {
  const chunks: Buffer[] = []
  const out = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      chunks.push(chunk)
      callback()
    },
  })
  return { out, bytes: () => Buffer.concat(chunks) }
}

const COLUMNS: ReportColumn[] = [
  { key: 'name', header: 'Name', type: 'string' },
  { key: 'n', header: 'N', type: 'integer' },
  { key: 'amount', header: 'Amount & <fee>', type: 'decimal', format: { width: 17 } },
  { key: 'day', header: 'Day', type: 'date' },
  { key: 'at', header: 'At', type: 'datetime' },
]

async function renderRows(
  rows: ReportRow[] | AsyncIterable<ReportRow>,
  options: XlsxOptions = {},
  extra: { timeZone?: string; totals?: boolean; out?: Writable } = {},
): Promise<Buffer> {
  const definition = defineReport({
    name: 'writer',
    title: 'Writer: test/report [1]',
    params: z.object({}),
    columns: COLUMNS,
    query: () => (async function* () {})(),
    ...(extra.totals === false ? {} : { totals: { n: 'sum' as const, amount: 'sum' as const } }),
  })
  const source =
    Symbol.asyncIterator in rows
      ? rows
      : (async function* () {
          yield* rows as ReportRow[]
        })()
  const sink = collector()
  const input = createRenderInput({
    definition,
    params: {},
    rows: source as AsyncIterable<ReportRow>,
    generatedAt: new Date('2026-06-01T08:00:00Z'),
    locale: 'en-US',
    timeZone: extra.timeZone ?? 'UTC',
  })
  await createXlsxRenderer(options).render(input, extra.out ?? sink.out)
  return sink.bytes()
}

/** A Python with openpyxl (Debian's python3-openpyxl, which `.ci/run` installs), if there is one. */
const openpyxlPython = ['/usr/bin/python3', 'python3'].find((python) => {
  try {
    execFileSync(python, ['-c', 'import openpyxl'], { stdio: 'ignore' })
    return true
  } catch {
    return false
  }
})
if (!openpyxlPython)
  console.warn('skipping the openpyxl read-back: no python3 with openpyxl (apt-get install python3-openpyxl)')

/** What openpyxl reads from one sheet (dates as ISO text). */
interface OpenpyxlSheet {
  title: string
  freezePanes: string | null
  widths: Record<string, number>
  values: unknown[][]
  formats: string[][]
  bold: boolean[][]
}

/** Reads the workbook with openpyxl, an implementation independent of ours and of exceljs. */
function readWithOpenpyxl(buffer: Buffer): OpenpyxlSheet[] {
  const dir = mkdtempSync(join(tmpdir(), 'reports-openpyxl-'))
  try {
    const file = join(dir, 'out.xlsx')
    writeFileSync(file, buffer)
    const script = new URL('./fixtures/read-xlsx.py', import.meta.url).pathname
    const output = execFileSync(openpyxlPython as string, [script, file], { encoding: 'utf8' })
    return (JSON.parse(output) as { sheets: OpenpyxlSheet[] }).sheets
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

async function load(buffer: Buffer): Promise<ExcelJS.Workbook> {
  const workbook = new ExcelJS.Workbook()
  await workbook.xlsx.load(buffer as unknown as ArrayBuffer)
  return workbook
}

describe('ZipWriter', () => {
  for (const zip64 of ['auto', 'always'] as const) {
    it(`writes a valid archive of streamed and whole entries (zip64: ${zip64})`, async () => {
      const sink = collector()
      const zip = new ZipWriter(sink.out, { zip64, level: 1 })
      const entry = await zip.openEntry('dir/streamed.txt')
      const parts: Buffer[] = []
      for (let i = 0; i < 2000; i++) {
        const part = Buffer.from(`line ${i} ${'x'.repeat(i % 50)} ü🎟️\n`)
        parts.push(part)
        await entry.write(part)
      }
      await entry.end()
      await zip.addEntry('small.xml', '<a>ä</a>')
      await zip.addEntry('empty', '')
      await zip.finish()
      sink.out.end()
      const bytes = sink.bytes()
      const { entries, zip64End } = checkZip(bytes)
      expect(entries.map((e) => e.name)).toEqual(['dir/streamed.txt', 'small.xml', 'empty'])
      expect(entries[0]?.data.equals(Buffer.concat(parts))).toBe(true)
      expect(entries[1]?.data.toString()).toBe('<a>ä</a>')
      expect(entries[2]?.size).toBe(0)
      expect(zip64End).toBe(zip64 === 'always')
      expect(entries.every((e) => e.zip64 === (zip64 === 'always'))).toBe(true)
      expect(zip.bytesWritten).toBe(bytes.length)
      expect(unzipTest(bytes)).toMatch(/No errors detected/)
    })
  }

  it('lets the caller reuse a chunk once write() has resolved (the compressor consumed it)', async () => {
    // The XLSX writer fills the same two buffers over and over: a write() that resolved before
    // zlib read the bytes would let the next row overwrite them in the compressor's queue.
    const sink = collector()
    const zip = new ZipWriter(sink.out, { level: 1 })
    const entry = await zip.openEntry('reused.txt')
    const chunk = Buffer.alloc(4096)
    const written: Buffer[] = []
    for (let i = 0; i < 500; i++) {
      chunk.fill(`row ${i};`)
      written.push(Buffer.from(chunk))
      await entry.write(chunk)
    }
    await entry.end()
    await zip.finish()
    sink.out.end()
    const { entries } = checkZip(sink.bytes())
    expect(entries[0]?.data.equals(Buffer.concat(written))).toBe(true)
  })

  it('refuses a second open entry and entries after finish', async () => {
    const zip = new ZipWriter(collector().out)
    const entry = await zip.openEntry('a')
    await expect(zip.addEntry('b', 'x')).rejects.toThrow(/still open/)
    await entry.end()
    await zip.finish()
    await expect(zip.openEntry('c')).rejects.toThrow(/finished/)
  })
})

describe('escapeXml', () => {
  it('escapes markup, keeps CR, removes characters XML cannot carry and escapes _xHHHH_', () => {
    expect(escapeXml('plain text')).toBe('plain text')
    expect(escapeXml('a & b < c > "d"')).toBe('a &amp; b &lt; c &gt; &quot;d&quot;')
    expect(escapeXml('bell\u0007 nul\u0000 tab\t lf\n cr\r ok')).toBe('bell nul tab\t lf\n cr&#13; ok')
    expect(escapeXml('bad \uFFFE\uFFFF lone \uD800 \uDC00 pair 🎟️')).toBe('bad  lone   pair 🎟️')
    expect(escapeXml('_x0041_ and _x12')).toBe('_x005F_x0041_ and _x12')
  })
})

describe('Excel serials', () => {
  it('converts instants to wall-clock time exactly around transitions, also off the hour', () => {
    const exact = (ms: number, zone: string) => {
      const w = wallClock(ms, zone)
      return Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second) + (ms % 1000)
    }
    // St John's springs forward at 02:00 NST = 05:30 UTC; Berlin falls back at 01:00 UTC.
    const cases: Array<[string, number]> = [
      ['America/St_Johns', Date.UTC(2026, 2, 8, 4, 0)],
      ['Europe/Berlin', Date.UTC(2026, 9, 24, 23, 0)],
      ['Australia/Lord_Howe', Date.UTC(2026, 3, 4, 13, 0)],
    ]
    for (const [zone, from] of cases) {
      const convert = createWallClockConverter(zone)
      for (let ms = from; ms < from + 4 * 3_600_000; ms += 61_001) expect(convert(ms)).toBe(exact(ms, zone))
    }
    expect(createWallClockConverter('UTC')(123_456)).toBe(123_456)
  })

  it('counts days like Excel, including its 29 February 1900', () => {
    expect(dateSerial('1900-01-01')).toBe(1)
    expect(dateSerial('1900-02-28')).toBe(59)
    expect(dateSerial('1900-03-01')).toBe(61)
    expect(dateSerial('2026-01-01')).toBe(46023)
    expect(excelSerial(Date.UTC(2026, 0, 1, 12))).toBe(46023.5)
  })
})

describe('XLSX writer', () => {
  const nasty = [
    'Müller, "Max" & <Sons>',
    'line\nbreak and\r\ncrlf',
    '  padded  ',
    'emoji 🎟️ ok',
    'ctrl\u0001\u001Fgone',
    '_x0041_ stays literal',
    '=HYPERLINK("http://x","y")',
    '-2+3',
  ]
  /** The nasty texts as exceljs and openpyxl read them back. */
  const nastyAsRead = [
    'Müller, "Max" & <Sons>',
    'line\nbreak and\r\ncrlf',
    '  padded  ',
    'emoji 🎟️ ok',
    'ctrlgone',
    // Excel decodes `_xHHHH_` in text (ECMA-376 ST_Xstring), so the writer escapes the underscore.
    // exceljs and openpyxl decode neither form in inline strings and show the escaped text;
    // LibreOffice (7.4, checked by hand) decodes it as Excel does: `_x0041_ stays literal`.
    '_x005F_x0041_ stays literal',
    `'=HYPERLINK("http://x","y")`,
    `'-2+3`,
  ]

  it('reads back with exceljs: typed cells, nasty text, dates, nulls, widths, frozen pane, totals', async () => {
    const rows: ReportRow[] = nasty.map((name, i) => ({
      name,
      n: i,
      amount: i === 3 ? null : i * 1.25,
      day: `2024-02-${String(27 + (i % 3)).padStart(2, '0')}`,
      at: Date.UTC(2026, 9, 25, 0, 30 * i, 15, 500),
    }))
    const buffer = await renderRows(rows, {}, { timeZone: 'Europe/Berlin' })
    const { entries } = checkZip(buffer)
    expect(entries.map((e) => e.name).sort()).toEqual([
      '[Content_Types].xml',
      '_rels/.rels',
      'docProps/app.xml',
      'docProps/core.xml',
      'xl/_rels/workbook.xml.rels',
      'xl/styles.xml',
      'xl/workbook.xml',
      'xl/worksheets/sheet1.xml',
    ])
    expect(unzipTest(buffer)).toMatch(/No errors detected/)
    const sheetXml = entries.find((e) => e.name === 'xl/worksheets/sheet1.xml')?.data.toString() ?? ''
    expect(sheetXml).toContain('<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>')
    expect(sheetXml).toContain('t="inlineStr"><is><t>_x005F_x0041_ stays literal</t></is>')
    expect(sheetXml).toContain('<t xml:space="preserve">  padded  </t>')
    expect(sheetXml).toContain('<t>line\nbreak and&#13;\ncrlf</t>')
    // The fixed style table: default, header, 4 body number formats, totals label, 4 totals formats.
    expect(entries.find((e) => e.name === 'xl/styles.xml')?.data.toString()).toContain('<cellXfs count="11">')

    const workbook = await load(buffer)
    const sheet = workbook.worksheets[0]
    if (!sheet) throw new Error('no sheet')
    // Sheet names cannot hold : / [ ].
    expect(sheet.name).toBe('Writer  test report  1')
    expect(sheet.views[0]).toMatchObject({ state: 'frozen', ySplit: 1, topLeftCell: 'A2' })
    expect(sheet.getColumn(1).width).toBe(24)
    expect(sheet.getColumn(2).width).toBe(10)
    expect(sheet.getColumn(3).width).toBe(17)
    expect(sheet.getColumn(4).width).toBe(12)
    expect(sheet.getColumn(5).width).toBe(20)
    expect(sheet.getRow(1).getCell(3).value).toBe('Amount & <fee>')
    expect(sheet.getRow(1).getCell(1).font?.bold).toBe(true)
    expect(sheet.getRow(1).getCell(1).fill).toMatchObject({ type: 'pattern', pattern: 'solid' })
    const names = nasty.map((_, i) => sheet.getRow(i + 2).getCell(1).value)
    expect(names).toEqual(nastyAsRead)
    const second = sheet.getRow(3)
    expect(second.getCell(2).type).toBe(ExcelJS.ValueType.Number)
    expect(second.getCell(2).value).toBe(1)
    expect(second.getCell(3).value).toBe(1.25)
    expect(second.getCell(3).numFmt).toBe('#,##0.00')
    expect(sheet.getRow(5).getCell(3).type).toBe(ExcelJS.ValueType.Null)
    expect(second.getCell(4).type).toBe(ExcelJS.ValueType.Date)
    expect((second.getCell(4).value as Date).toISOString()).toBe('2024-02-28T00:00:00.000Z')
    expect((sheet.getRow(4).getCell(4).value as Date).toISOString()).toBe('2024-02-29T00:00:00.000Z')
    expect(second.getCell(4).numFmt).toBe('yyyy-mm-dd')
    // 2026-10-25 00:30 UTC is 02:30 CEST; 01:30 UTC is 02:30 CET again after the fall-back.
    const at = (i: number) => (sheet.getRow(i + 2).getCell(5).value as Date).toISOString()
    expect(at(0)).toBe('2026-10-25T02:00:15.500Z')
    expect(at(1)).toBe('2026-10-25T02:30:15.500Z')
    expect(at(2)).toBe('2026-10-25T02:00:15.500Z')
    expect(at(3)).toBe('2026-10-25T02:30:15.500Z')
    expect(at(4)).toBe('2026-10-25T03:00:15.500Z')
    expect(second.getCell(5).numFmt).toBe('yyyy-mm-dd hh:mm:ss')
    const totals = sheet.getRow(nasty.length + 2)
    expect(sheet.rowCount).toBe(nasty.length + 2)
    expect(totals.getCell(1).value).toBe('Total')
    expect(totals.getCell(2).value).toBe(28)
    expect(totals.getCell(3).value).toBeCloseTo(1.25 * (28 - 3), 9)
    expect(totals.getCell(3).numFmt).toBe('#,##0.00')
    expect(totals.getCell(2).font?.bold).toBe(true)
    expect(totals.getCell(4).type).toBe(ExcelJS.ValueType.Null)
  })

  it.skipIf(!openpyxlPython)(
    'reads back with openpyxl: values, dates, formats, panes, totals, sheets',
    async () => {
      const rows: ReportRow[] = nasty.map((name, i) => ({
        name,
        n: i,
        amount: i === 3 ? null : i * 1.25,
        day: '2024-02-29',
        at: Date.UTC(2026, 9, 25, 0, 30 * i, 15, 500),
      }))
      const [sheet] = readWithOpenpyxl(await renderRows(rows, {}, { timeZone: 'Europe/Berlin' }))
      if (!sheet) throw new Error('no sheet')
      expect(sheet.title).toBe('Writer  test report  1')
      expect(sheet.freezePanes).toBe('A2')
      expect(sheet.widths).toMatchObject({ A: 24, B: 10, C: 17, D: 12, E: 20 })
      expect(sheet.values[0]).toEqual(['Name', 'N', 'Amount & <fee>', 'Day', 'At'])
      expect(sheet.bold[0]?.every(Boolean)).toBe(true)
      expect(sheet.values.slice(1, -1).map((row) => row[0])).toEqual(nastyAsRead)
      expect(sheet.values[2]?.slice(1)).toEqual([
        1,
        1.25,
        '2024-02-29T00:00:00',
        '2026-10-25T02:30:15.500000',
      ])
      expect(sheet.values[4]?.[2]).toBeNull()
      expect(sheet.formats[2]?.slice(1)).toEqual(['#,##0', '#,##0.00', 'yyyy-mm-dd', 'yyyy-mm-dd hh:mm:ss'])
      expect(sheet.values.at(-1)).toEqual(['Total', 28, 31.25, null, null])
      expect(sheet.bold.at(-1)?.slice(0, 3)).toEqual([true, true, true])

      const sheets = readWithOpenpyxl(
        await renderRows(
          Array.from({ length: 25 }, (_, i) => ({
            name: `r${i}`,
            n: i,
            amount: 1,
            day: '2026-01-01',
            at: 0,
          })),
          { maxRowsPerSheet: 10, sheetName: 'Orders' },
        ),
      )
      expect(sheets.map((s) => [s.title, s.values.length, s.freezePanes])).toEqual([
        ['Orders', 10, 'A2'],
        ['Orders (2)', 10, 'A2'],
        ['Orders (3)', 9, 'A2'],
      ])
      expect(sheets[2]?.values.at(-1)?.slice(0, 2)).toEqual(['Total', 300])
    },
  )

  it('cuts text at 32,767 characters and writes no totals row when the report has none', async () => {
    const buffer = await renderRows(
      [{ name: 'y'.repeat(40_000), n: 1, amount: 2, day: '2026-01-01', at: 0 }],
      {},
      { totals: false },
    )
    const sheet = (await load(buffer)).worksheets[0]
    if (!sheet) throw new Error('no sheet')
    expect(sheet.rowCount).toBe(2)
    expect((sheet.getRow(2).getCell(1).value as string).length).toBe(32_767)
    expect((sheet.getRow(2).getCell(5).value as Date).toISOString()).toBe('1970-01-01T00:00:00.000Z')
  })

  it('continues on numbered sheets with their own header when a sheet is full', async () => {
    const rows = Array.from({ length: 25 }, (_, i) => ({
      name: `r${i}`,
      n: i,
      amount: 1,
      day: '2026-01-01',
      at: 0,
    }))
    const buffer = await renderRows(rows, { maxRowsPerSheet: 10, sheetName: 'Orders' })
    expect(unzipTest(buffer)).toMatch(/No errors detected/)
    const workbook = await load(buffer)
    expect(workbook.worksheets.map((s) => s.name)).toEqual(['Orders', 'Orders (2)', 'Orders (3)'])
    const [first, second, third] = workbook.worksheets
    expect(first?.rowCount).toBe(10)
    expect(second?.rowCount).toBe(10)
    expect(second?.getRow(1).getCell(1).value).toBe('Name')
    expect(second?.getRow(2).getCell(1).value).toBe('r9')
    expect(second?.views[0]).toMatchObject({ state: 'frozen', ySplit: 1 })
    // 25 rows: 9 + 9 + 7, then the totals row on the last sheet.
    expect(third?.rowCount).toBe(9)
    expect(third?.getRow(8).getCell(1).value).toBe('r24')
    expect(third?.getRow(9).getCell(2).value).toBe(300)
    expect(() => createXlsxRenderer({ maxRowsPerSheet: 1 })).toThrow(/maxRowsPerSheet/)
    expect(() => createXlsxRenderer({ compressionLevel: 0 })).toThrow(/compressionLevel/)
  })

  it('pulls rows only as fast as a slow target accepts bytes (backpressure), then completes', async () => {
    const total = 60_000
    let pulled = 0
    async function* source(): AsyncGenerator<ReportRow> {
      for (let i = 0; i < total; i++) {
        pulled++
        yield {
          name: `customer ${i} ${'lorem ipsum '.repeat(i % 9)}`,
          n: i,
          amount: i / 7,
          day: '2026-01-01',
          at: i,
        }
      }
    }
    const chunks: Buffer[] = []
    let release: (() => void) | undefined
    const gate = new Promise<void>((resolve) => {
      release = resolve
    })
    let received = 0
    const out = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        chunks.push(chunk)
        received += chunk.length
        // Accept the first 64 KiB, then stall until released.
        if (received < 64 * 1024) callback()
        else gate.then(() => callback())
      },
    })
    const done = renderRows(source(), { compressionLevel: 1 }, { out })
    // Let the pipeline run into the stalled target: rows stop being pulled.
    let last = -1
    while (pulled !== last) {
      last = pulled
      await new Promise((resolve) => setTimeout(resolve, 100))
    }
    expect(pulled).toBeLessThan(total / 2)
    release?.()
    await done
    expect(pulled).toBe(total)
    const workbook = await load(Buffer.concat(chunks))
    expect(workbook.worksheets[0]?.rowCount).toBe(total + 2)
  })

  it('rejects, without hanging, when the target fails mid-stream', async () => {
    let received = 0
    const out = new Writable({
      highWaterMark: 16 * 1024,
      write(chunk: Buffer, _encoding, callback) {
        received += chunk.length
        callback(received > 100_000 ? new Error('disk full') : null)
      },
    })
    async function* many(): AsyncGenerator<ReportRow> {
      for (let i = 0; i < 200_000; i++)
        yield { name: `row ${i} ${'x'.repeat(i % 40)}`, n: i, amount: i, day: '2026-01-01', at: i }
    }
    await expect(renderRows(many(), { compressionLevel: 1 }, { out })).rejects.toThrow('disk full')
  })

  it('rejects when the source fails mid-stream', async () => {
    async function* failing(): AsyncGenerator<ReportRow> {
      yield { name: 'a', n: 1, amount: 1, day: '2026-01-01', at: 0 }
      throw new Error('cursor lost')
    }
    await expect(renderRows(failing())).rejects.toThrow('cursor lost')
  })
})
