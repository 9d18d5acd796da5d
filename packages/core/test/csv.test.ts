import { describe, expect, it } from 'vitest'
import { neutraliseFormula, quoteCsvField } from '../src/index.js'

describe('neutraliseFormula', () => {
  it.each(['=HYPERLINK("http://x","y")', '+1', '-2+3', '@SUM(A1)', '\tcmd', '\rcmd', '\ncmd'])(
    'neutralises %j',
    (text) => {
      expect(neutraliseFormula(text)).toBe(`'${text}`)
    },
  )
  it.each(['', 'plain', 'a=b', '2-1', ' =not first'])('leaves %j alone', (text) => {
    expect(neutraliseFormula(text)).toBe(text)
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
