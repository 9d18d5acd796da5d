/**
 * `@opskit/reports/xlsx`: the XLSX renderer, a streaming SpreadsheetML + ZIP writer built on
 * Node's `zlib` (loads no spreadsheet library).
 * @packageDocumentation
 */
export { createXlsxRenderer, type XlsxOptions } from './xlsx-renderer.js'
