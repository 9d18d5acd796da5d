declare module 'pdf-parse/lib/pdf-parse.js' {
  interface PdfPage {
    getTextContent(): Promise<{ items: Array<{ str: string; transform: number[] }> }>
    getOperatorList(): Promise<{ fnArray: number[]; argsArray: unknown[] }>
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
