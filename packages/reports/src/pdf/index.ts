/**
 * `@opskit/reports/pdf`: the PDF renderer (loads the optional peer `pdfkit`).
 * @packageDocumentation
 */
export { createPdfRenderer, type PdfOptions } from './pdf-renderer.js'
