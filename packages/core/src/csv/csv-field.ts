/**
 * First characters that make a spreadsheet read a text cell as a formula (OWASP "CSV
 * injection"): `=`, `+`, `-`, `@`, tab, carriage return and line feed.
 */
const FORMULA_START = new Set(['=', '+', '-', '@', '\t', '\r', '\n'])

/**
 * Prefixes `'` to text that a spreadsheet would otherwise evaluate as a formula, so that
 * `=HYPERLINK(...)`, `-2+3` or `@SUM(A1)` from user input show as text. Apply it to text values
 * only: numbers are data and stay as they are.
 */
export function neutraliseFormula(text: string): string {
  return text.length > 0 && FORMULA_START.has(text[0] as string) ? `'${text}` : text
}

/**
 * Quotes one CSV field as RFC 4180 says: a field holding the delimiter, a quote, CR or LF is
 * wrapped in quotes with its quotes doubled; any other field is left as it is.
 */
export function quoteCsvField(text: string, delimiter = ','): string {
  const needsQuotes =
    text.includes(delimiter) || text.includes('"') || text.includes('\n') || text.includes('\r')
  return needsQuotes ? `"${text.replaceAll('"', '""')}"` : text
}
