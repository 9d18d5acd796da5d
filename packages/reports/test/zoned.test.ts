import { describe, expect, it } from 'vitest'
import { nextDay, startOfDayInZone } from '../src/examples/index.js'

describe('startOfDayInZone', () => {
  it('finds local midnight across DST changes', () => {
    expect(new Date(startOfDayInZone('2026-03-29', 'Europe/Berlin')).toISOString()).toBe(
      '2026-03-28T23:00:00.000Z',
    )
    expect(new Date(startOfDayInZone('2026-03-30', 'Europe/Berlin')).toISOString()).toBe(
      '2026-03-29T22:00:00.000Z',
    )
    expect(new Date(startOfDayInZone('2026-11-01', 'America/New_York')).toISOString()).toBe(
      '2026-11-01T04:00:00.000Z',
    )
    expect(new Date(startOfDayInZone('2026-11-02', 'America/New_York')).toISOString()).toBe(
      '2026-11-02T05:00:00.000Z',
    )
    expect(new Date(startOfDayInZone('2026-06-01', 'UTC')).toISOString()).toBe('2026-06-01T00:00:00.000Z')
  })

  it('steps calendar days across month and year ends', () => {
    expect(nextDay('2026-02-28')).toBe('2026-03-01')
    expect(nextDay('2028-02-28')).toBe('2028-02-29')
    expect(nextDay('2026-12-31')).toBe('2027-01-01')
  })
})
