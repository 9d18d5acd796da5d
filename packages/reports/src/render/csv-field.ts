/**
 * Where a spreadsheet may start a new cell inside one of our CSV fields: the start of the field,
 * and after any character that some locale uses as its list separator (`,` `;` TAB `|`) or as a
 * line break (CR, LF, CRLF). A CRLF counts once, so the line break itself stays intact.
 */
const SEGMENT_START = /(^|\r\n|\r(?!\n)|[,;\t|\n])(?=[" ]*[=+\-@\t\r\n])/g

/**
 * Neutralises formula injection in one CSV text field whatever list separator the reader splits
 * on: every segment that would start (after quotes or spaces) with `=`, `+`, `-`, `@`, TAB, CR
 * or LF gets a leading `'`. Checking only the first character is not enough: Excel with `;` as
 * its list separator splits `x;=cmd|'/C calc'!A0` into two cells, the second a live formula.
 */
export function neutraliseCsvText(text: string): string {
  return text.replace(SEGMENT_START, "$1'")
}

/** Quotes a text field always (RFC 4180 quoting, quotes doubled), so no reader splits it. */
export function quoteCsvText(text: string): string {
  return `"${text.replaceAll('"', '""')}"`
}
