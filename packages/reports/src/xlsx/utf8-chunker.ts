/** UTF-8 needs at most 3 bytes per UTF-16 code unit (a surrogate pair: 4 bytes for 2 units). */
const MAX_BYTES_PER_UNIT = 3

/**
 * Encodes text into fixed-size UTF-8 chunks as it arrives, so a writer hands its compressor
 * bytes instead of holding a long string: each piece of text is copied out of the JS heap at
 * once and dies young, which keeps the garbage collector's young generation small (a string
 * accumulated over hundreds of rows survives collections, is promoted, and makes V8 grow both
 * generations). A chunk handed out by {@link Utf8Chunker.take} belongs to the caller.
 */
export class Utf8Chunker {
  private buffer: Buffer
  private used = 0

  constructor(private readonly size = 64 * 1024) {
    this.buffer = Buffer.allocUnsafeSlow(size)
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
    this.buffer = Buffer.allocUnsafeSlow(this.size)
    this.used = 0
    return chunk
  }
}
