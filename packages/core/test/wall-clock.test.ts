import { describe, expect, it } from 'vitest'
import { isValidTimeZone, wallClock } from '../src/internal/index.js'

describe('wallClock', () => {
  it('reads the local time of an instant, across a DST change', () => {
    // Europe/Berlin springs forward at 01:00 UTC on 2026-03-29 (02:00 → 03:00 local).
    expect(wallClock(Date.UTC(2026, 2, 29, 0, 59, 59), 'Europe/Berlin')).toEqual({
      year: 2026,
      month: 3,
      day: 29,
      hour: 1,
      minute: 59,
      second: 59,
    })
    expect(wallClock(Date.UTC(2026, 2, 29, 1, 0, 0), 'Europe/Berlin')).toMatchObject({ hour: 3, minute: 0 })
    expect(wallClock(Date.UTC(2026, 0, 1, 4, 30), 'America/New_York')).toMatchObject({
      year: 2025,
      month: 12,
      day: 31,
      hour: 23,
    })
    expect(wallClock(Date.UTC(2026, 5, 1, 0, 0), 'UTC')).toMatchObject({ hour: 0, day: 1, month: 6 })
  })

  it('knows which time zones exist', () => {
    expect(isValidTimeZone('Europe/Paris')).toBe(true)
    expect(isValidTimeZone('Mars/Olympus_Mons')).toBe(false)
  })
})
