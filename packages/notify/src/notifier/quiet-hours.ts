const formatters = new Map<string, Intl.DateTimeFormat>()

function minutesOfDay(now: number, timeZone: string): { minutes: number; seconds: number } {
  let format = formatters.get(timeZone)
  if (!format) {
    format = new Intl.DateTimeFormat('en-GB', {
      timeZone,
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      hourCycle: 'h23',
    })
    formatters.set(timeZone, format)
  }
  const parts = Object.fromEntries(format.formatToParts(new Date(now)).map((part) => [part.type, part.value]))
  return { minutes: Number(parts.hour) * 60 + Number(parts.minute), seconds: Number(parts.second) }
}

const toMinutes = (hhmm: string): number => {
  const [h, m] = hhmm.split(':').map(Number)
  return (h as number) * 60 + (m as number)
}

/** Whether an IANA time zone name is known to this runtime. */
export function isValidTimeZone(timeZone: string): boolean {
  try {
    new Intl.DateTimeFormat('en', { timeZone })
    return true
  } catch {
    return false
  }
}

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
