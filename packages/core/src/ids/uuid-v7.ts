import { randomBytes } from 'node:crypto'
import { type Clock, systemClock } from '../clock/clock.js'

/** ASCII codes of the hex digits. */
const HEX_DIGITS = Buffer.from('0123456789abcdef', 'latin1')
const POOL_SIZE = 16 * 256

/** Random bytes drawn from a pool refilled 4 KiB at a time (as crypto.randomUUID does). */
function createRandomPool(): { take(count: number): number; readonly bytes: Buffer } {
  let bytes = randomBytes(POOL_SIZE)
  let offset = 0
  return {
    /** Reserves `count` fresh bytes and returns the offset of the first in `bytes`. */
    take(count) {
      if (offset + count > POOL_SIZE) {
        bytes = randomBytes(POOL_SIZE)
        offset = 0
      }
      offset += count
      return offset - count
    },
    get bytes() {
      return bytes
    },
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
  const pool = createRandomPool()
  const bytes = new Uint8Array(16)
  const text = Buffer.from('00000000-0000-0000-0000-000000000000', 'latin1')
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
      const at = pool.take(2)
      counter = pool.bytes.readUInt16BE(at) & 0x7ff
    }
    const at = pool.take(8)
    const random = pool.bytes
    // The 16 bytes: 48-bit time, version 7 with the counter, variant 10 and 62 random bits.
    bytes[0] = Math.floor(ms / 2 ** 40) & 0xff
    bytes[1] = Math.floor(ms / 2 ** 32) & 0xff
    bytes[2] = (ms >>> 24) & 0xff
    bytes[3] = (ms >>> 16) & 0xff
    bytes[4] = (ms >>> 8) & 0xff
    bytes[5] = ms & 0xff
    bytes[6] = 0x70 | ((counter >>> 8) & 0x0f)
    bytes[7] = counter & 0xff
    bytes[8] = 0x80 | ((random[at] as number) & 0x3f)
    for (let i = 1; i < 8; i++) bytes[8 + i] = random[at + i] as number
    // Spelled into one reused buffer and read out as a single string.
    for (let i = 0, o = 0; i < 16; i++) {
      if (i === 4 || i === 6 || i === 8 || i === 10) o++
      const byte = bytes[i] as number
      text[o++] = HEX_DIGITS[byte >>> 4] as number
      text[o++] = HEX_DIGITS[byte & 0x0f] as number
    }
    return text.toString('latin1')
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
