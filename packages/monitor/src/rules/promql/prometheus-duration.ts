/**
 * Prometheus' duration syntax (`model.ParseDuration`): units from years down to milliseconds, each
 * at most once and in that order (`1h30m`, `90s`, `1d`, `0`); no fractions.
 */
const DURATION = /^(?:(\d+)y)?(?:(\d+)w)?(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?(?:(\d+)ms)?$/
const UNIT_MS = [365 * 86_400_000, 7 * 86_400_000, 86_400_000, 3_600_000, 60_000, 1000, 1]

/** Milliseconds of a Prometheus duration string, or undefined when it is not one. */
export function parsePrometheusDuration(text: string): number | undefined {
  if (text === '0') return 0
  if (text === '') return undefined
  const match = DURATION.exec(text)
  if (!match) return undefined
  let total = 0
  for (let i = 0; i < UNIT_MS.length; i++) {
    const part = match[i + 1]
    if (part !== undefined) total += Number(part) * (UNIT_MS[i] as number)
  }
  return total
}

/** A duration as `model.Duration.String()` prints it: `1h30m`, `5m`, `0s`, `1d`, `250ms`. */
export function formatPrometheusDuration(ms: number): string {
  if (ms === 0) return '0s'
  const units: Array<[string, number]> = [
    ['y', UNIT_MS[0] as number],
    ['w', UNIT_MS[1] as number],
    ['d', UNIT_MS[2] as number],
    ['h', UNIT_MS[3] as number],
    ['m', UNIT_MS[4] as number],
    ['s', 1000],
    ['ms', 1],
  ]
  let rest = ms
  let out = ''
  for (const [unit, size] of units) {
    const n = Math.floor(rest / size)
    if (n > 0) {
      out += `${n}${unit}`
      rest -= n * size
    }
  }
  return out
}

/** A duration as Go's `time.Duration.String()` prints it: `1m0s`, `1h0m0s`, `30s`, `1.5s`, `0s`. */
export function formatGoDuration(ms: number): string {
  if (ms === 0) return '0s'
  const sign = ms < 0 ? '-' : ''
  let rest = Math.abs(ms)
  if (rest < 1000) return `${sign}${rest}ms`
  const hours = Math.floor(rest / 3_600_000)
  rest -= hours * 3_600_000
  const minutes = Math.floor(rest / 60_000)
  rest -= minutes * 60_000
  const seconds = `${rest / 1000}s`
  if (hours > 0) return `${sign}${hours}h${minutes}m${seconds}`
  if (minutes > 0) return `${sign}${minutes}m${seconds}`
  return `${sign}${seconds}`
}
