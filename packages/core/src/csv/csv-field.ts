/**
 * Where a spreadsheet may start a new cell inside one CSV text field: the start of the field,
 * and after any character that some locale uses as its list separator (`,` `;` TAB `|`) or as a
 * line break (CR, LF, CRLF), when what follows (past quotes or spaces) would start a formula.
 * A CRLF counts once, so the line break itself stays intact.
 */
const SEGMENT_START = /(^|\r\n|\r(?!\n)|[,;\t|\n])(?=[" ]*[=+\-@\t\r\n])/g

/**
 * Neutralises formula injection (OWASP "CSV injection") in one text value, whatever list
 * separator the spreadsheet that opens it splits on: every piece that would start (after quotes
 * or spaces) with `=`, `+`, `-`, `@`, tab, CR or LF gets a leading `'`. A piece is the whole text,
 * and whatever follows a `,`, `;`, tab, `|` or line break in it. Checking only the first
 * character is not enough: Excel with `;` as its list separator (most of continental Europe)
 * splits `x;=cmd|'/C calc'!A0` into two cells, the second a live formula; this gives
 * `x;'=cmd|'/C calc'!A0`.
 *
 * Apply it to text values only: numbers are data and stay as they are.
 * @example neutraliseFormula('=HYPERLINK("http://x")') // `'=HYPERLINK("http://x")`
 */
export function neutraliseFormula(text: string): string {
  return text.replace(SEGMENT_START, "$1'")
}

/** Options of {@link encodeCsvText}. */
export interface CsvTextOptions {
  /** Apply {@link neutraliseFormula} before quoting. @default true */
  neutralise?: boolean | undefined
}

/**
 * Encodes one CSV text field: formula-neutralised (unless `neutralise: false`) and always quoted
 * as RFC 4180 says (quotes doubled), so no reader splits it at the file's delimiter whichever
 * delimiter that is. Use it for every text value; {@link quoteCsvField} is for machine values
 * (numbers, ISO dates) that cannot start a formula.
 * @example encodeCsvText(`x;=cmd|'/C calc'!A0`) // `"x;'=cmd|'/C calc'!A0"`
 */
export function encodeCsvText(text: string, options: CsvTextOptions = {}): string {
  const safe = (options.neutralise ?? true) ? neutraliseFormula(text) : text
  return `"${safe.replaceAll('"', '""')}"`
}

/**
 * Quotes one CSV machine value (a number, an ISO date) as RFC 4180 says: a field holding the
 * delimiter, a quote, CR or LF is wrapped in quotes with its quotes doubled; any other field is
 * left as it is. Text values go through {@link encodeCsvText} instead.
 */
export function quoteCsvField(text: string, delimiter = ','): string {
  const needsQuotes =
    text.includes(delimiter) || text.includes('"') || text.includes('\n') || text.includes('\r')
  return needsQuotes ? `"${text.replaceAll('"', '""')}"` : text
}
