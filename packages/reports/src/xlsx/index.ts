/**
 * `@opskit/reports/xlsx`: the XLSX renderer (loads the optional peer `exceljs`).
 * @packageDocumentation
 */
export { createXlsxRenderer, type XlsxOptions } from './xlsx-renderer.js'
