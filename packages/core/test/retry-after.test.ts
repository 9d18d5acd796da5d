import { execFileSync } from 'node:child_process'
import { describe, expect, it } from 'vitest'
import { parseRetryAfter } from '../src/index.js'

const NOW = Date.UTC(2026, 11, 7, 12, 0, 0)

describe('parseRetryAfter: delay-seconds', () => {
  it('reads whole seconds as ms, ignoring surrounding whitespace', () => {
    expect(parseRetryAfter('120', NOW)).toBe(120_000)
    expect(parseRetryAfter('0', NOW)).toBe(0)
    expect(parseRetryAfter(' 7\t', NOW)).toBe(7_000)
  })

  it('cuts a delay to maxMs when given', () => {
    expect(parseRetryAfter('3600', NOW, { maxMs: 60_000 })).toBe(60_000)
    expect(parseRetryAfter('30', NOW, { maxMs: 60_000 })).toBe(30_000)
    expect(parseRetryAfter('Mon, 07 Dec 2026 13:00:00 GMT', NOW, { maxMs: 60_000 })).toBe(60_000)
  })
})

describe('parseRetryAfter: HTTP-date', () => {
  it('reads the IMF-fixdate, RFC 850 and asctime forms of the same instant', () => {
    expect(parseRetryAfter('Mon, 07 Dec 2026 12:00:30 GMT', NOW)).toBe(30_000)
    expect(parseRetryAfter('Monday, 07-Dec-26 12:00:30 GMT', NOW)).toBe(30_000)
    expect(parseRetryAfter('Mon Dec  7 12:00:30 2026', NOW)).toBe(30_000)
  })

  it('reads the asctime form as UTC whatever the process time zone', () => {
    const saved = process.env.TZ
    process.env.TZ = 'America/New_York'
    try {
      expect(new Date(NOW).getHours()).toBe(7)
      expect(parseRetryAfter('Mon Dec  7 12:00:30 2026', NOW)).toBe(30_000)
    } finally {
      if (saved === undefined) delete process.env.TZ
      else process.env.TZ = saved
    }
  })

  it('gives 0 for a date in the past', () => {
    expect(parseRetryAfter('Sun, 06 Nov 1994 08:49:37 GMT', NOW)).toBe(0)
    expect(parseRetryAfter('Mon, 07 Dec 2026 11:59:59 GMT', NOW)).toBe(0)
  })

  it('reads an RFC 850 year more than 50 years ahead as the past century (RFC 9110 §5.6.7)', () => {
    // 2026: "76" would be 2076 (50 years ahead, kept); "77" would be 2077, so it is 1977
    expect(parseRetryAfter('Monday, 07-Dec-76 12:00:00 GMT', NOW)).toBe(Date.UTC(2076, 11, 7, 12) - NOW)
    expect(parseRetryAfter('Tuesday, 07-Dec-77 12:00:00 GMT', NOW)).toBe(0)
  })

  it('agrees with Python (email.utils, time.strftime, http.cookiejar) on 300 random instants', () => {
    // Python writes each instant in the three forms and reads them back (http.cookiejar's
    // http2time for the GMT forms, email.utils.parsedate for asctime); we read the same strings. Instants stay within 49 years of NOW, where two-digit years are plain.
    const script = `
import calendar, json, random, time, email.utils, http.cookiejar
random.seed(20)
now = ${NOW / 1000}
rows = []
for _ in range(300):
    t = int(now + random.uniform(-49, 49) * 365.25 * 86400)
    g = time.gmtime(t)
    forms = [email.utils.formatdate(t, usegmt=True), time.strftime('%A, %d-%b-%y %H:%M:%S GMT', g), time.asctime(g)]
    assert [http.cookiejar.http2time(f) for f in forms[:2]] == [t, t], forms
    assert calendar.timegm(email.utils.parsedate(forms[2])) == t, forms
    rows.append({'t': t, 'forms': forms})
print(json.dumps(rows))
`
    const rows = JSON.parse(execFileSync('python3', ['-c', script], { encoding: 'utf8' })) as {
      t: number
      forms: string[]
    }[]
    expect(rows).toHaveLength(300)
    let future = 0
    for (const { t, forms } of rows) {
      const expected = Math.max(0, t * 1000 - NOW)
      if (expected > 0) future++
      for (const form of forms) expect([form, parseRetryAfter(form, NOW)]).toEqual([form, expected])
    }
    expect(future).toBeGreaterThan(100)
  })
})

describe('parseRetryAfter: anything else is undefined', () => {
  it.each([
    [undefined],
    [null],
    [''],
    ['   '],
    ['-1'],
    ['+5'],
    ['1.5'],
    ['1e3'],
    ['0x10'],
    ['soon'],
    ['120 seconds'],
    ['Mon, 07 Dec 2026 12:00:30 UTC'],
    ['mon, 07 dec 2026 12:00:30 gmt'],
    ['Mon, 7 Dec 2026 12:00:30 GMT'],
    ['Mon, 31 Feb 2026 12:00:30 GMT'],
    ['Mon, 07 Dec 2026 24:00:00 GMT'],
    ['Mon, 07 Dec 2026 12:60:00 GMT'],
    ['2026-12-07T12:00:30Z'],
    ['Mon, 07 Dec 2026 12:00:30 GMT, Mon, 07 Dec 2026 12:00:30 GMT'],
  ])('%j', (value) => {
    expect(parseRetryAfter(value, NOW)).toBeUndefined()
  })
})
