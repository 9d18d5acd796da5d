/** UTF-8 needs at most 3 bytes per UTF-16 code unit (a surrogate pair: 4 bytes for 2 units). */
const MAX_BYTES_PER_UNIT = 3

/** Options of {@link Utf8Chunker}. */
export interface Utf8ChunkerOptions {
  /** Bytes per chunk. @default 65536 */
  size?: number
  /**
   * Hand out chunks from two buffers used in turn instead of a fresh buffer each time: a chunk
   * is then only valid until the next one is handed out, so the caller must be done with it
   * (e.g. the compressor has consumed it) before it pushes more text. @default false
   */
  recycle?: boolean
}

/**
 * Encodes text into fixed-size UTF-8 chunks as it arrives, so a writer hands its compressor
 * bytes instead of holding a long string: each piece of text is copied out of the JS heap at
 * once and dies young, which keeps the garbage collector's young generation small (a string
 * accumulated over hundreds of rows survives collections, is promoted, and makes V8 grow both
 * generations). Without `recycle` a chunk handed out by {@link Utf8Chunker.take} belongs to the
 * caller; with it, the chunker reuses its two buffers (see {@link Utf8ChunkerOptions.recycle}).
 */
export class Utf8Chunker {
  private readonly size: number
  /** With `recycle`: the two buffers chunks alternate between. */
  private readonly homes: readonly [Buffer, Buffer] | undefined
  /** The home buffer being filled (or the one a larger buffer grew from). */
  private home = 0
  private buffer: Buffer
  private used = 0

  constructor(options: Utf8ChunkerOptions = {}) {
    this.size = options.size ?? 64 * 1024
    this.buffer = Buffer.allocUnsafeSlow(this.size)
    this.homes = options.recycle ? [this.buffer, Buffer.allocUnsafeSlow(this.size)] : undefined
  }

  /**
   * Appends `text`; returns a chunk when one filled up (most calls return nothing). Text too
   * long for one chunk leaves in a larger chunk of its own, after what was pending.
   */
  push(text: string): Buffer | undefined {
    const worst = text.length * MAX_BYTES_PER_UNIT
    let full: Buffer | undefined
    if (this.used + worst > this.buffer.length) {
      if (worst > this.size) {
        const larger = Buffer.allocUnsafeSlow(this.used + worst)
        this.buffer.copy(larger, 0, 0, this.used)
        this.buffer = larger
      } else {
        full = this.take()
      }
    }
    this.used += this.buffer.write(text, this.used, 'utf8')
    return full ?? (this.buffer.length > this.size ? this.take() : undefined)
  }

  /** Hands out the bytes written so far (empty when none) and starts a fresh chunk. */
  take(): Buffer {
    const chunk = this.buffer.subarray(0, this.used)
    this.used = 0
    if (!this.homes) {
      this.buffer = Buffer.allocUnsafeSlow(this.size)
      return chunk
    }
    // The other home is free: its chunk was handed out before this one, so the caller is done with it.
    if (this.buffer === this.homes[this.home]) this.home = 1 - this.home
    this.buffer = this.homes[this.home] as Buffer
    return chunk
  }
}
