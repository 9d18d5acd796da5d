declare module 'pdf-parse/lib/pdf-parse.js' {
  interface PdfPage {
    getTextContent(): Promise<{ items: Array<{ str: string; transform: number[] }> }>
  }
  interface PdfParseResult {
    numpages: number
    text: string
  }
  function pdfParse(
    data: Uint8Array,
    options?: { pagerender?: (page: PdfPage) => Promise<string> },
  ): Promise<PdfParseResult>
  export default pdfParse
}
