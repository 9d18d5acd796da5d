import { wallClock } from '@opskit/core/internal'

function minutesOfDay(now: number, timeZone: string): { minutes: number; seconds: number } {
  const time = wallClock(now, timeZone)
  return { minutes: time.hour * 60 + time.minute, seconds: time.second }
}

const toMinutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number)
  return (h as number) * 60 + (m as number)
}

export { isValidTimeZone } from '@opskit/core/internal'

/**
 * When quiet hours `start`–`end` (HH:MM in `timeZone`, possibly across midnight) hold at `now`,
 * the instant (ms) they end; otherwise `undefined`.
 */
export function quietHoursEnd(
  quiet: { start: string; end: string },
  timeZone: string,
  now: number,
): number | undefined {
  const start = toMinutes(quiet.start)
  const end = toMinutes(quiet.end)
  if (start === end) return undefined
  const { minutes, seconds } = minutesOfDay(now, timeZone)
  const inside = start < end ? minutes >= start && minutes < end : minutes >= start || minutes < end
  if (!inside) return undefined
  const untilEnd = (end - minutes + 1440) % 1440
  return now - (now % 1000) + (untilEnd * 60 - seconds) * 1000
}
