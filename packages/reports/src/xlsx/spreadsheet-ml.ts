// SpreadsheetML parts of the streaming XLSX writer (ECMA-376 / ISO/IEC 29500, transitional).
import { setBounded } from '@opskit/core/internal'
import { wallClock } from '../render/values.js'

const XML_DECL = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
const NS_MAIN = 'http://schemas.openxmlformats.org/spreadsheetml/2006/main'
const NS_REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships'
const NS_PKG_REL = 'http://schemas.openxmlformats.org/package/2006/relationships'

/** Excel's limits: rows and columns per sheet, characters per cell. */
export const EXCEL_MAX_ROWS = 1_048_576
export const EXCEL_MAX_COLUMNS = 16_384
export const EXCEL_MAX_CELL_CHARS = 32_767

// These patterns match control characters on purpose: XML 1.0 cannot carry them.
// biome-ignore lint/suspicious/noControlCharactersInRegex: finds characters XML forbids
const NEEDS_WORK = /[&<>"\r\u0000-\u0008\u000B\u000C\u000E-\u001F\uD800-\uDFFF\uFFFE\uFFFF]|_x[0-9A-Fa-f]{4}_/
const INVALID_XML =
  // biome-ignore lint/suspicious/noControlCharactersInRegex: removes characters XML forbids
  /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]|[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g
const SPECIAL = /[&<>"\r]|_(?=x[0-9A-Fa-f]{4}_)/g
const ENTITIES: Record<string, string> = {
  '&': '&amp;',
  '<': '&lt;',
  '>': '&gt;',
  '"': '&quot;',
  // XML parsers turn a literal CR into LF; a character reference keeps it.
  '\r': '&#13;',
  // Spreadsheet readers decode `_xHHHH_` in text; `_x005F_` is the escaped underscore.
  _: '_x005F_',
}

/**
 * Escapes text for XML content and attributes and removes characters XML 1.0 cannot carry
 * (C0 controls other than tab, LF and CR; U+FFFE, U+FFFF; unpaired surrogates). CR becomes
 * `&#13;` (kept through XML parsing) and a literal `_xHHHH_` gets its underscore escaped so
 * spreadsheet readers do not decode it.
 */
export function escapeXml(text: string): string {
  if (!NEEDS_WORK.test(text)) return text
  return text.replace(INVALID_XML, '').replace(SPECIAL, (c) => ENTITIES[c] as string)
}

/** Removes the characters XML 1.0 cannot carry (see {@link escapeXml}) without escaping. */
export function stripInvalidXml(text: string): string {
  return text.replace(INVALID_XML, '')
}

/**
 * The decimal text of a number, exactly as `String(value)` writes it. A template literal or
 * `String()` puts every number it converts into V8's number-to-string cache, which keeps the
 * new string alive through young-generation collections: over a long export those strings are
 * promoted and V8 grows its young generation to the maximum, tens of MB of resident memory.
 * `JSON.stringify` formats a finite number with the same algorithm (ECMA-262 Number::toString)
 * without that cache, and is no slower.
 */
export function numberText(value: number): string {
  return Number.isFinite(value) ? JSON.stringify(value) : String(value)
}

/** Column letters of a 0-based column index (0 → A, 26 → AA). */
export function columnName(index: number): string {
  let name = ''
  for (let n = index + 1; n > 0; n = Math.floor((n - 1) / 26))
    name = String.fromCharCode(65 + ((n - 1) % 26)) + name
  return name
}

const MS_PER_DAY = 86_400_000
const EXCEL_EPOCH_OFFSET = 25_569 // days from 1899-12-30 to 1970-01-01

/**
 * The Excel serial (1900 date system) of a wall-clock time given as UTC milliseconds. Excel
 * counts a 29 February 1900 that never was, so serials before 1 March 1900 are one lower.
 */
export function excelSerial(wallMs: number): number {
  const serial = wallMs / MS_PER_DAY + EXCEL_EPOCH_OFFSET
  return serial < 61 ? serial - 1 : serial
}

/** The serial of a calendar day `YYYY-MM-DD`. */
export function dateSerial(day: string): number {
  return excelSerial(Date.UTC(Number(day.slice(0, 4)), Number(day.slice(5, 7)) - 1, Number(day.slice(8, 10))))
}

const HOUR_MS = 3_600_000
const OFFSET_CACHE_LIMIT = 50_000

/**
 * Builds the function that turns an instant into its wall-clock time in `timeZone`, as UTC
 * milliseconds (what Excel serials hold, since they carry no zone). The zone offset is looked up
 * once per UTC hour and reused when it is the same at both ends of that hour.
 */
export function createWallClockConverter(timeZone: string): (epochMs: number) => number {
  if (timeZone === 'UTC' || timeZone === 'Etc/UTC') return (epochMs) => epochMs
  const exactOffset = (epochMs: number): number => {
    const w = wallClock(epochMs, timeZone)
    const wall = new Date(0)
    wall.setUTCFullYear(w.year, w.month - 1, w.day)
    wall.setUTCHours(w.hour, w.minute, w.second, 0)
    return wall.getTime() - (epochMs - (((epochMs % 1000) + 1000) % 1000))
  }
  const offsets = new Map<number, number>()
  return (epochMs) => {
    const hour = Math.floor(epochMs / HOUR_MS)
    let offset = offsets.get(hour)
    if (offset === undefined) {
      const start = exactOffset(hour * HOUR_MS)
      offset = start === exactOffset(hour * HOUR_MS + HOUR_MS - 1) ? start : Number.NaN
      setBounded(offsets, hour, offset, OFFSET_CACHE_LIMIT)
    }
    // NaN: the offset changes within this hour (a DST transition); compute it for this instant.
    return epochMs + (Number.isNaN(offset) ? exactOffset(epochMs) : offset)
  }
}

/** One cell format of the fixed style table. */
export interface CellFormat {
  /** Number format code, or none for General. */
  numFmt?: string
  bold?: boolean
  /** Header fill. */
  fill?: boolean
  border?: 'top' | 'bottom'
}

/**
 * The workbook's small, fixed style table: formats are registered once (per column, header,
 * totals) before any row is written; cells refer to them by index.
 */
export class StyleTable {
  private readonly formats: CellFormat[] = [{}]
  private readonly keys = new Map<string, number>([['{}', 0]])
  private readonly numFmts = new Map<string, number>()

  /** The `s` index of `format`, registering it on first use. */
  indexOf(format: CellFormat): number {
    const key = JSON.stringify({
      numFmt: format.numFmt,
      bold: format.bold || undefined,
      fill: format.fill || undefined,
      border: format.border,
    })
    let index = this.keys.get(key)
    if (index === undefined) {
      index = this.formats.length
      this.formats.push(format)
      this.keys.set(key, index)
      if (format.numFmt && !this.numFmts.has(format.numFmt))
        this.numFmts.set(format.numFmt, 164 + this.numFmts.size)
    }
    return index
  }

  /** `xl/styles.xml`. */
  toXml(): string {
    const numFmts = [...this.numFmts]
      .map(([code, id]) => `<numFmt numFmtId="${id}" formatCode="${escapeXml(code)}"/>`)
      .join('')
    const font = (bold: boolean) =>
      `<font>${bold ? '<b/>' : ''}<sz val="11"/><color theme="1"/><name val="Calibri"/><family val="2"/><scheme val="minor"/></font>`
    const border = (side?: 'top' | 'bottom') =>
      `<border><left/><right/>${side === 'top' ? '<top style="thin"><color auto="1"/></top>' : '<top/>'}${side === 'bottom' ? '<bottom style="thin"><color auto="1"/></bottom>' : '<bottom/>'}<diagonal/></border>`
    const xfs = this.formats
      .map((f) => {
        const numFmtId = f.numFmt ? (this.numFmts.get(f.numFmt) as number) : 0
        const borderId = f.border === 'bottom' ? 1 : f.border === 'top' ? 2 : 0
        return `<xf numFmtId="${numFmtId}" fontId="${f.bold ? 1 : 0}" fillId="${f.fill ? 2 : 0}" borderId="${borderId}" xfId="0"${numFmtId ? ' applyNumberFormat="1"' : ''}${f.bold ? ' applyFont="1"' : ''}${f.fill ? ' applyFill="1"' : ''}${borderId ? ' applyBorder="1"' : ''}/>`
      })
      .join('')
    return (
      `${XML_DECL}<styleSheet xmlns="${NS_MAIN}">` +
      (this.numFmts.size > 0 ? `<numFmts count="${this.numFmts.size}">${numFmts}</numFmts>` : '') +
      `<fonts count="2">${font(false)}${font(true)}</fonts>` +
      '<fills count="3"><fill><patternFill patternType="none"/></fill><fill><patternFill patternType="gray125"/></fill>' +
      '<fill><patternFill patternType="solid"><fgColor rgb="FFE8EEF4"/><bgColor indexed="64"/></patternFill></fill></fills>' +
      `<borders count="3">${border()}${border('bottom')}${border('top')}</borders>` +
      '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>' +
      `<cellXfs count="${this.formats.length}">${xfs}</cellXfs>` +
      '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>' +
      '<dxfs count="0"/><tableStyles count="0" defaultTableStyle="TableStyleMedium2" defaultPivotStyle="PivotStyleLight16"/>' +
      '</styleSheet>'
    )
  }
}

/** The opening of a worksheet up to `<sheetData>`: frozen header row and column widths. */
export function worksheetStart(widths: readonly number[], selected: boolean): string {
  const cols = widths
    .map((width, i) => `<col min="${i + 1}" max="${i + 1}" width="${width}" customWidth="1"/>`)
    .join('')
  return (
    `${XML_DECL}<worksheet xmlns="${NS_MAIN}" xmlns:r="${NS_REL}">` +
    `<sheetViews><sheetView workbookViewId="0"${selected ? ' tabSelected="1"' : ''}>` +
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>' +
    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>' +
    '<sheetFormatPr defaultRowHeight="15"/>' +
    (cols ? `<cols>${cols}</cols>` : '') +
    '<sheetData>'
  )
}

/** The end of a worksheet. */
export const WORKSHEET_END =
  '</sheetData><pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/></worksheet>'

/** `[Content_Types].xml` for a workbook of `sheets` worksheets. */
export function contentTypes(sheets: number): string {
  let overrides = ''
  for (let i = 1; i <= sheets; i++)
    overrides += `<Override PartName="/xl/worksheets/sheet${i}.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`
  return (
    `${XML_DECL}<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">` +
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>' +
    '<Default Extension="xml" ContentType="application/xml"/>' +
    '<Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>' +
    overrides +
    '<Override PartName="/xl/styles.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>' +
    '<Override PartName="/docProps/core.xml" ContentType="application/vnd.openxmlformats-package.core-properties+xml"/>' +
    '<Override PartName="/docProps/app.xml" ContentType="application/vnd.openxmlformats-officedocument.extended-properties+xml"/>' +
    '</Types>'
  )
}

/** `_rels/.rels`. */
export const ROOT_RELS =
  `${XML_DECL}<Relationships xmlns="${NS_PKG_REL}">` +
  '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/>' +
  '<Relationship Id="rId2" Type="http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties" Target="docProps/core.xml"/>' +
  '<Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/extended-properties" Target="docProps/app.xml"/>' +
  '</Relationships>'

/** `xl/workbook.xml` listing the sheets by name. */
export function workbookXml(sheetNames: readonly string[]): string {
  const sheets = sheetNames
    .map((name, i) => `<sheet name="${escapeXml(name)}" sheetId="${i + 1}" r:id="rId${i + 1}"/>`)
    .join('')
  return (
    `${XML_DECL}<workbook xmlns="${NS_MAIN}" xmlns:r="${NS_REL}">` +
    '<workbookPr defaultThemeVersion="124226"/><bookViews><workbookView activeTab="0"/></bookViews>' +
    `<sheets>${sheets}</sheets><calcPr calcId="124519" fullCalcOnLoad="1"/></workbook>`
  )
}

/** `xl/_rels/workbook.xml.rels`: the sheets, then the styles part. */
export function workbookRels(sheets: number): string {
  let relationships = ''
  for (let i = 1; i <= sheets; i++)
    relationships += `<Relationship Id="rId${i}" Type="${NS_REL}/worksheet" Target="worksheets/sheet${i}.xml"/>`
  return (
    `${XML_DECL}<Relationships xmlns="${NS_PKG_REL}">${relationships}` +
    `<Relationship Id="rId${sheets + 1}" Type="${NS_REL}/styles" Target="styles.xml"/></Relationships>`
  )
}

/** `docProps/core.xml`: title, creator and creation time. */
export function coreProperties(title: string, creator: string, created: Date): string {
  const when = `${created.toISOString().slice(0, 19)}Z`
  return (
    `${XML_DECL}<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" ` +
    'xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:dcterms="http://purl.org/dc/terms/" ' +
    'xmlns:dcmitype="http://purl.org/dc/dcmitype/" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">' +
    `<dc:title>${escapeXml(title)}</dc:title><dc:creator>${escapeXml(creator)}</dc:creator>` +
    `<dcterms:created xsi:type="dcterms:W3CDTF">${when}</dcterms:created>` +
    `<dcterms:modified xsi:type="dcterms:W3CDTF">${when}</dcterms:modified></cp:coreProperties>`
  )
}

/** `docProps/app.xml`. */
export const APP_PROPERTIES =
  `${XML_DECL}<Properties xmlns="http://schemas.openxmlformats.org/officeDocument/2006/extended-properties" ` +
  'xmlns:vt="http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"><Application>@opskit/reports</Application></Properties>'
