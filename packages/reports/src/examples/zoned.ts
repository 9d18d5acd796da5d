import { wallClock } from '../render/values.js'

/** The UTC instant of local midnight starting `date` (`YYYY-MM-DD`) in `timeZone`. */
export function startOfDayInZone(date: string, timeZone: string): number {
  const [y, m, d] = date.split('-').map(Number)
  const target = Date.UTC(y ?? 1970, (m ?? 1) - 1, d ?? 1)
  let guess = target
  for (let i = 0; i < 3; i++) {
    const w = wallClock(guess, timeZone)
    const asUtc = Date.UTC(w.year, w.month - 1, w.day, w.hour, w.minute, w.second)
    const next = guess - (asUtc - target)
    if (next === guess) break
    guess = next
  }
  return guess
}

/** The next calendar day of `YYYY-MM-DD`. */
export function nextDay(date: string): string {
  const [y, m, d] = date.split('-').map(Number)
  return new Date(Date.UTC(y ?? 1970, (m ?? 1) - 1, (d ?? 1) + 1)).toISOString().slice(0, 10)
}
