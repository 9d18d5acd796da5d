import { MonitorError } from '../../errors/monitor-error.js'
import { parsePrometheusDuration } from './prometheus-duration.js'

/** One token of a rule expression. */
export type Token =
  | { t: 'num'; v: number; pos: number }
  | { t: 'id'; v: string; pos: number }
  | { t: 'str'; v: string; pos: number }
  | { t: 'dur'; v: number; pos: number }
  | { t: 'op'; v: string; pos: number }
  | { t: 'eof'; pos: number }

/** Throws the parse error of `source` at `pos`. */
export function fail(source: string, pos: number, message: string): never {
  throw new MonitorError('MONITOR_INVALID_EXPRESSION', `${message} at position ${pos} in "${source}"`)
}

const SIMPLE_ESCAPES: Record<string, string> = {
  a: '\x07',
  b: '\b',
  f: '\f',
  n: '\n',
  r: '\r',
  t: '\t',
  v: '\v',
  '\\': '\\',
}

/** Hex digits and the value limit of `\x`, `\u`, `\U` escapes. */
const HEX_ESCAPES: Record<string, { digits: number }> = {
  x: { digits: 2 },
  u: { digits: 4 },
  U: { digits: 8 },
}

/**
 * Reads the quoted string that starts at `start` (`"…"` or `'…'` with Go's escapes, as
 * Prometheus' `strutil.Unquote`; `` `…` `` raw, without escapes) and gives its value and the
 * index after the closing quote.
 */
function readString(source: string, start: number): { value: string; end: number } {
  const quote = source[start] as string
  let value = ''
  let j = start + 1
  while (j < source.length && source[j] !== quote) {
    const c = source[j] as string
    if (quote === '`' || c !== '\\') {
      if (quote !== '`' && c === '\n') fail(source, j, 'unterminated quoted string')
      value += c
      j++
      continue
    }
    const e = source[j + 1]
    if (e === undefined) break
    if (e in SIMPLE_ESCAPES) {
      value += SIMPLE_ESCAPES[e]
      j += 2
    } else if (e === quote) {
      value += quote
      j += 2
    } else if (e in HEX_ESCAPES) {
      const digits = (HEX_ESCAPES[e] as { digits: number }).digits
      const hex = source.slice(j + 2, j + 2 + digits)
      const code = /^[0-9a-fA-F]+$/.test(hex) && hex.length === digits ? Number.parseInt(hex, 16) : -1
      if (code < 0 || code > 0x10ffff || (code >= 0xd800 && code < 0xe000 && e !== 'x'))
        fail(source, j, `invalid escape sequence "\\${e}${hex}"`)
      value += String.fromCodePoint(code)
      j += 2 + digits
    } else if (e >= '0' && e <= '7') {
      const octal = source.slice(j + 1, j + 4)
      if (!/^[0-7]{3}$/.test(octal) || Number.parseInt(octal, 8) > 255)
        fail(source, j, `invalid escape sequence "\\${octal}"`)
      value += String.fromCharCode(Number.parseInt(octal, 8))
      j += 4
    } else fail(source, j, `unknown escape sequence "\\${e}"`)
  }
  if (j >= source.length) fail(source, start, 'unterminated quoted string')
  return { value, end: j + 1 }
}

const TWO_CHAR_OPS = new Set(['!=', '=~', '!~', '>=', '<=', '=='])
const ONE_CHAR_OPS = '{}()[],=<>+-*/'
const NUMBER = /^(?:0[xX][0-9a-fA-F]+|\d+\.?\d*(?:[eE][+-]?\d+)?|\.\d+(?:[eE][+-]?\d+)?)/
const IDENTIFIER = /^[a-zA-Z_:][a-zA-Z0-9_:]*/

/** Splits a rule expression into tokens (durations inside `[…]` and after `offset`). */
export function tokenize(source: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  let inBrackets = false
  while (i < source.length) {
    const c = source[i] as string
    if (c === ' ' || c === '\t' || c === '\n' || c === '\r') {
      i++
      continue
    }
    if (c === '#') {
      while (i < source.length && source[i] !== '\n') i++
      continue
    }
    const previous = tokens[tokens.length - 1]
    const afterOffset = previous?.t === 'id' && previous.v === 'offset'
    if ((inBrackets || afterOffset) && c >= '0' && c <= '9') {
      const m = /^[0-9a-z.]+/.exec(source.slice(i)) as RegExpExecArray
      const ms = parsePrometheusDuration(m[0])
      if (ms === undefined)
        fail(source, i, `"${m[0]}" is not a duration (units y w d h m s ms, largest first, as in 1h30m)`)
      tokens.push({ t: 'dur', v: ms, pos: i })
      i += m[0].length
      continue
    }
    const num = (c >= '0' && c <= '9') || c === '.' ? NUMBER.exec(source.slice(i)) : null
    if (num) {
      tokens.push({ t: 'num', v: Number(num[0]), pos: i })
      i += num[0].length
      continue
    }
    const id = IDENTIFIER.exec(source.slice(i))
    if (id) {
      const word = id[0]
      const lower = word.toLowerCase()
      if (lower === 'inf' || lower === 'nan')
        tokens.push({ t: 'num', v: lower === 'inf' ? Number.POSITIVE_INFINITY : Number.NaN, pos: i })
      else tokens.push({ t: 'id', v: word, pos: i })
      i += word.length
      continue
    }
    if (c === '"' || c === "'" || c === '`') {
      const { value, end } = readString(source, i)
      tokens.push({ t: 'str', v: value, pos: i })
      i = end
      continue
    }
    const two = source.slice(i, i + 2)
    if (TWO_CHAR_OPS.has(two)) {
      tokens.push({ t: 'op', v: two, pos: i })
      i += 2
      continue
    }
    if (ONE_CHAR_OPS.includes(c)) {
      if (c === '[') inBrackets = true
      if (c === ']') inBrackets = false
      tokens.push({ t: 'op', v: c, pos: i })
      i++
      continue
    }
    fail(source, i, `unexpected character "${c}"`)
  }
  tokens.push({ t: 'eof', pos: source.length })
  return tokens
}
