import { describe, expect, it } from 'vitest'
import { encodeCsvText, neutraliseFormula, quoteCsvField } from '../src/internal/index.js'

const DDE = `=cmd|'/C calc'!A0`

describe('neutraliseFormula', () => {
  it.each(['=HYPERLINK("http://x","y")', '+1', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd', '\ncmd'])(
    'neutralises %j at the start',
    (text) => {
      expect(neutraliseFormula(text)).toBe(`'${text}`)
    },
  )

  it.each([
    [`x;${DDE}`, `x;'${DDE}`],
    [`x,${DDE}`, `x,'${DDE}`],
    [`x\t${DDE}`, `x\t'${DDE}`],
    [`x|${DDE}`, `x|'${DDE}`],
    [`x; "${DDE}"`, `x;' "${DDE}"`],
    [`line\n${DDE}`, `line\n'${DDE}`],
    [`crlf\r\n${DDE}`, `crlf\r\n'${DDE}`],
    [`cr\r${DDE}`, `cr\r'${DDE}`],
    ['a;-2+3;@SUM(A1);+1', "a;'-2+3;'@SUM(A1);'+1"],
    ['x;\t=1', "x;'\t'=1"],
  ])('neutralises every separator-split piece of %j', (text, expected) => {
    expect(neutraliseFormula(text)).toBe(expected)
  })

  it('neutralises a piece that starts a formula past spaces or quotes (readers that trim them)', () => {
    expect(neutraliseFormula(' =1')).toBe("' =1")
    expect(neutraliseFormula('"=1"')).toBe(`'"=1"`)
  })

  it.each(['', 'plain', 'a=b', '2-1', 'x =not a piece start', 'Müller, "Max"', 'a;b|c\td', 'x\r\ny'])(
    'leaves %j alone',
    (text) => {
      expect(neutraliseFormula(text)).toBe(text)
    },
  )
})

describe('encodeCsvText', () => {
  it('always quotes, doubles quotes and neutralises every piece', () => {
    expect(encodeCsvText('plain')).toBe('"plain"')
    expect(encodeCsvText('')).toBe('""')
    expect(encodeCsvText('say "hi"')).toBe('"say ""hi"""')
    expect(encodeCsvText(`safe;"${DDE}"`)).toBe(`"safe;'""${DDE}"""`)
    expect(encodeCsvText('-2+3')).toBe(`"'-2+3"`)
  })

  it('quotes without neutralising when asked', () => {
    expect(encodeCsvText(`x;${DDE}`, { neutralise: false })).toBe(`"x;${DDE}"`)
  })
})

describe('quoteCsvField', () => {
  it('quotes fields holding the delimiter, quotes, CR or LF and doubles quotes', () => {
    expect(quoteCsvField('a,b')).toBe('"a,b"')
    expect(quoteCsvField('say "hi"')).toBe('"say ""hi"""')
    expect(quoteCsvField('line\nbreak')).toBe('"line\nbreak"')
    expect(quoteCsvField('cr\rhere')).toBe('"cr\rhere"')
    expect(quoteCsvField('a;b', ';')).toBe('"a;b"')
    expect(quoteCsvField('a,b', ';')).toBe('a,b')
    expect(quoteCsvField('plain 🎟')).toBe('plain 🎟')
  })
})
