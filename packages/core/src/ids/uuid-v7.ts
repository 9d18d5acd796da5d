import { randomBytes } from 'node:crypto'
import { type Clock, systemClock } from '../clock/clock.js'

const HEX: string[] = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'))
const POOL_SIZE = 16 * 256

/** Random bytes drawn from a pool refilled 4 KiB at a time (as crypto.randomUUID does). */
function createRandomPool(): (count: number) => Buffer {
  let pool = randomBytes(POOL_SIZE)
  let offset = 0
  return (count) => {
    if (offset + count > POOL_SIZE) {
      pool = randomBytes(POOL_SIZE)
      offset = 0
    }
    offset += count
    return pool.subarray(offset - count, offset)
  }
}

/** Generates time-ordered UUIDs; see {@link createUuidV7Generator}. */
export type IdGenerator = () => string

/**
 * Creates a UUIDv7 generator (RFC 9562): 48 bits of Unix milliseconds, then a 12-bit counter
 * seeded randomly each millisecond (method 1 of §6.2), then 62 random bits. Ids from one
 * generator sort in creation order, also within one millisecond and when the clock steps back.
 */
export function createUuidV7Generator(clock: Clock = systemClock): IdGenerator {
  let lastMs = -1
  let counter = 0
  const random = createRandomPool()
  return () => {
    let ms = clock.now()
    if (ms <= lastMs) {
      counter++
      if (counter > 0xfff) {
        lastMs++
        counter = 0
      }
      ms = lastMs
    } else {
      lastMs = ms
      counter = random(2).readUInt16BE(0) & 0x7ff
    }
    const bytes = Buffer.from(random(16))
    bytes[0] = Math.floor(ms / 2 ** 40) & 0xff
    bytes[1] = Math.floor(ms / 2 ** 32) & 0xff
    bytes[2] = (ms >>> 24) & 0xff
    bytes[3] = (ms >>> 16) & 0xff
    bytes[4] = (ms >>> 8) & 0xff
    bytes[5] = ms & 0xff
    bytes[6] = 0x70 | ((counter >>> 8) & 0x0f)
    bytes[7] = counter & 0xff
    bytes[8] = 0x80 | ((bytes[8] as number) & 0x3f)
    let out = ''
    for (let i = 0; i < 16; i++) {
      out += HEX[bytes[i] as number]
      if (i === 3 || i === 5 || i === 7 || i === 9) out += '-'
    }
    return out
  }
}

const defaultGenerator = createUuidV7Generator()

/** A new time-ordered UUIDv7 from the system clock. */
export function uuidv7(): string {
  return defaultGenerator()
}

/** The millisecond timestamp encoded in a UUIDv7. */
export function uuidv7Timestamp(id: string): number {
  const hex = id.replace(/-/g, '').slice(0, 12)
  return Number.parseInt(hex, 16)
}

/** Whether `value` is a syntactically valid UUIDv7. */
export function isUuidV7(value: string): boolean {
  return /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/.test(value)
}
