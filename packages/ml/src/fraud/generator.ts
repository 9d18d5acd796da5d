import { mulberry32 } from '@opskit/core/internal'
import type { FraudSession, LabelledSession, SessionLocation } from './session.js'

/** Options of {@link generateSessions}. */
export interface SessionGeneratorOptions {
  /** Sessions to generate. */
  readonly count: number
  /** Share of fraudulent sessions. @default 0.08 */
  readonly fraudRate?: number
  /** PRNG seed; the same seed gives the same sessions. @default 1 */
  readonly seed?: number
  /**
   * `hard` adds what makes real traffic hard: bots that mimic human timing, pointer and typing
   * with browser user agents, humans who legitimately buy in bulk or retry cards, and drift over
   * the 30 days (the share of mimicking bots grows from 20% to 60% of fraud). `adversarial` goes
   * further: the mimicking bots (30% to 80% of fraud over the 30 days) take a human's whole session
   * and give themselves away only by a slightly larger appetite on half of them, human-operated
   * fraud uses a single card in a third of cases, and humans drift too (group buyers grow from 10% to 30%).
   * @default 'standard'
   */
  readonly difficulty?: 'standard' | 'hard' | 'adversarial'
}

const BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Safari/605.1.15',
  'Mozilla/5.0 (X11; Linux x86_64; rv:125.0) Gecko/20100101 Firefox/125.0',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 17_4 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.4 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Mobile Safari/537.36',
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0.0.0 Safari/537.36 Edg/124.0.0.0',
]
const BOTS = [
  'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)',
  'python-requests/2.31.0',
  'Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/124.0.0.0 Safari/537.36',
  'curl/8.5.0',
  'Scrapy/2.11.0 (+https://scrapy.org)',
]
const CITIES = [
  { lat: 52.52, lon: 13.405 },
  { lat: 48.8566, lon: 2.3522 },
  { lat: 40.7128, lon: -74.006 },
  { lat: 51.5074, lon: -0.1278 },
  { lat: 41.3874, lon: 2.1686 },
  { lat: 35.6762, lon: 139.6503 },
  { lat: -33.8688, lon: 151.2093 },
]

/**
 * Draws from one seeded PRNG: the primitives every session is made of. Each call consumes
 * `random()` in a fixed order, so the same seed gives the same sessions.
 */
function createDraws(random: () => number) {
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  const between = (lo: number, hi: number) => lo + random() * (hi - lo)
  const int = (lo: number, hi: number) => Math.floor(between(lo, hi + 1))
  const gaussian = () => Math.sqrt(-2 * Math.log(1 - random())) * Math.cos(2 * Math.PI * random())
  /** `count` request times from `start`, each at least 1 ms after the previous one. */
  const timeline = (start: number, count: number, gap: () => number) => {
    const out = [start]
    for (let i = 1; i < count; i++) out.push((out[i - 1] as number) + Math.max(1, Math.round(gap())))
    return out
  }
  /** A location a few km around `city` at time `at`. */
  const near = (city: { lat: number; lon: number }, at: number): SessionLocation => ({
    timestamp: at,
    lat: city.lat + gaussian() * 0.05,
    lon: city.lon + gaussian() * 0.05,
  })
  /** `count` log-normal typing intervals around `meanMs`. */
  const keystrokes = (count: number, meanMs: number, spread: number) =>
    Array.from({ length: count }, () => Math.max(1, meanMs * Math.exp(gaussian() * spread)))
  return { random, pick, between, int, gaussian, timeline, near, keystrokes }
}
type Draws = ReturnType<typeof createDraws>
type City = (typeof CITIES)[number]

/** A crawler: bot user agent, metronomic ~1 s gaps, no purchase, no pointer, no typing. */
function crawler(d: Draws, start: number, home: City): FraudSession {
  const requests = d.timeline(start, d.int(30, 200), () => 1000 + d.gaussian() * d.between(5, 60))
  return {
    userAgent: d.pick(BOTS),
    requests,
    paymentMethods: 0,
    ticketsRequested: 0,
    locations: [d.near(home, start)],
    pointerEvents: 0,
    keystrokeIntervalsMs: [],
  }
}

/** A scalper bot: browser user agent, sub-second gaps, up to 12 tickets, machine-fast typing. */
function scalper(d: Draws, start: number, home: City): FraudSession {
  const requests = d.timeline(start, d.int(15, 90), () => d.between(500, 1500) * Math.exp(d.gaussian() * 0.2))
  return {
    userAgent: d.pick(BROWSERS),
    requests,
    paymentMethods: d.int(1, 2),
    ticketsRequested: d.int(6, 12),
    locations: [d.near(home, start)],
    pointerEvents: d.int(0, 8),
    keystrokeIntervalsMs: d.keystrokes(d.int(8, 30), d.between(8, 40), 0.2),
  }
}

/** A card tester: a short session cycling 3–8 payment methods for 1–2 tickets. */
function cardTester(d: Draws, start: number, home: City): FraudSession {
  const requests = d.timeline(start, d.int(6, 25), () => d.between(800, 4000))
  return {
    userAgent: d.pick(BROWSERS),
    requests,
    paymentMethods: d.int(3, 8),
    ticketsRequested: d.int(1, 2),
    locations: [d.near(home, start)],
    pointerEvents: d.int(0, 30),
    keystrokeIntervalsMs: d.keystrokes(d.int(16, 64), d.between(15, 70), 0.3),
  }
}

/** An account takeover: human-like, but minutes after the owner was seen in another city. */
function takeover(d: Draws, start: number, home: City): FraudSession {
  const requests = d.timeline(start, d.int(5, 40), () => 5000 * Math.exp(d.gaussian()))
  const far = d.pick(CITIES.filter((c) => c !== home))
  return {
    userAgent: d.pick(BROWSERS),
    requests,
    paymentMethods: d.int(1, 3),
    ticketsRequested: d.int(3, 10),
    locations: [d.near(home, start - d.int(5, 50) * 60_000), d.near(far, start)],
    pointerEvents: d.int(5, 200),
    keystrokeIntervalsMs: d.keystrokes(d.int(8, 30), d.between(60, 200), 0.4),
  }
}

/**
 * Generates realistic labelled sessions. Humans browse with irregular, log-normal gaps, move the
 * pointer and type at 80–300 ms per key; a few of them trip rules anyway (group orders of 11–20
 * tickets, card declines that lead to a 4th payment method, travel across a VPN, bounces).
 * Fraud (default 8% of sessions) comes in five kinds: crawlers with bot user agents and
 * metronomic timing (15%); scalper bots with browser user agents, sub-second gaps and up to 12
 * tickets (25%); card testers cycling 3–8 payment methods in short sessions (20%); account
 * takeovers that jump 700–10,000 km (25%); and human-operated fraud that behaves like a customer
 * apart from a second or third card (15%). Most fraud trips at most one rule, so rules alone miss
 * part of it, and some fraud is hard for any model.
 */
export function generateSessions(options: SessionGeneratorOptions): LabelledSession[] {
  const random = mulberry32(options.seed ?? 1)
  const fraudRate = options.fraudRate ?? 0.08
  const draws = createDraws(random)
  const { pick, between, int, gaussian, timeline, near, keystrokes } = draws
  const base = Date.UTC(2025, 0, 1)
  const adversarial = options.difficulty === 'adversarial'
  const hard = options.difficulty === 'hard' || adversarial
  const dayOf = (start: number) => (start - base) / 86_400_000

  const human = (start: number): FraudSession => {
    const bounce = random() < 0.05
    const requests = bounce
      ? timeline(start, int(1, 3), () => between(300, 2000))
      : timeline(start, 4 + Math.floor(-Math.log(1 - random()) * 18), () => 6000 * Math.exp(gaussian()))
    const home = pick(CITIES)
    const end = requests[requests.length - 1] as number
    const locations = [near(home, start), near(home, end)]
    if (random() < 0.02) locations.push(near(pick(CITIES.filter((c) => c !== home)), end + 60_000))
    const roll = random()
    // Hard: more legitimate group buyers and card retries, overlapping what fraud does; adversarial:
    // more of them as the month goes on (drift on the human side).
    const bulk = random() < (adversarial ? 0.1 + (0.2 * dayOf(start)) / 30 : hard ? 0.15 : 0.05)
    return {
      userAgent: pick(BROWSERS),
      requests,
      paymentMethods: roll < (hard ? 0.06 : 0.03) ? 4 : roll < (hard ? 0.25 : 0.15) ? 2 : 1,
      ticketsRequested: bulk ? int(hard ? 6 : 11, 20) : int(1, 4),
      locations,
      ...(random() < 0.03 ? {} : { pointerEvents: bounce ? int(0, 5) : int(15, 400) }),
      keystrokeIntervalsMs: random() < 0.1 ? [] : keystrokes(int(8, 40), between(90, 260), 0.45),
    }
  }

  /** A bot that copies human timing, pointer and typing; only its appetite gives it away. */
  const mimic = (start: number): FraudSession => ({
    ...human(start),
    requests: timeline(start, int(6, 40), () => 4000 * Math.exp(gaussian() * 0.8)),
    paymentMethods: int(1, 2),
    ticketsRequested: int(4, 12),
  })

  /** A bot that replays a whole human session; half of them ask for a few more tickets or a 2nd card. */
  const replay = (start: number): FraudSession => {
    const session = human(start)
    return {
      ...session,
      ticketsRequested: random() < 0.5 ? (session.ticketsRequested ?? 1) : int(3, 8),
      paymentMethods: random() < 0.7 ? (session.paymentMethods ?? 1) : 2,
    }
  }

  const fraud = (start: number): FraudSession => {
    // Drift: in hard and adversarial modes the share of mimicking bots grows over the 30 days.
    const day = dayOf(start)
    if (adversarial && random() < 0.3 + (0.5 * day) / 30) return replay(start)
    if (!adversarial && hard && random() < 0.2 + (0.4 * day) / 30) return mimic(start)
    const kind = random()
    const home = pick(CITIES)
    if (kind >= 0.85) {
      // Human-operated fraud (stolen cards used by hand): looks like a customer.
      return {
        ...human(start),
        paymentMethods: adversarial ? int(1, 3) : int(2, 3),
        ticketsRequested: int(2, 6),
      }
    }
    if (kind < 0.15) return crawler(draws, start, home)
    if (kind < 0.4) return scalper(draws, start, home)
    if (kind < 0.6) return cardTester(draws, start, home)
    return takeover(draws, start, home)
  }

  return Array.from({ length: options.count }, () => {
    const start = base + Math.floor(random() * 86_400_000 * 30)
    const isFraud = random() < fraudRate
    return { session: isFraud ? fraud(start) : human(start), fraud: isFraud }
  })
}
