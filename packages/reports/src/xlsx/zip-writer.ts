import type { Writable } from 'node:stream'
import { crc32, createDeflateRaw, type DeflateRaw, deflateRawSync } from 'node:zlib'
import { waitForDrain } from '../render/text-sink.js'

/** How a {@link ZipWriter} uses ZIP64 structures. */
export type Zip64Mode = 'auto' | 'always'

/** Options of {@link ZipWriter}. */
export interface ZipWriterOptions {
  /** zlib deflate level, 1 (fastest) to 9 (smallest). @default 6 */
  level?: number
  /** Modification time stored for every entry (DOS time, read as UTC fields). @default now */
  modifiedAt?: Date
  /**
   * `auto` writes ZIP64 records only where a size or offset reaches 4 GiB (as Go's archive/zip
   * does: a 64-bit data descriptor and central-directory extra for that entry, ZIP64 end records
   * when the directory needs them); `always` writes them for every entry. @default 'auto'
   */
  zip64?: Zip64Mode
}

const MAX32 = 0xffffffff
const MAX16 = 0xffff
const FLAG_DESCRIPTOR = 0x0008
const FLAG_UTF8 = 0x0800
const METHOD_DEFLATE = 8
const VERSION_20 = 20
const VERSION_ZIP64 = 45
/** Bytes per compressed chunk a streamed entry hands to the target. */
const COMPRESSED_CHUNK_BYTES = 16 * 1024

interface EntryRecord {
  name: Buffer
  flags: number
  crc: number
  compressedSize: number
  size: number
  offset: number
}

function dosDateTime(date: Date): { time: number; date: number } {
  const year = Math.min(2107, Math.max(1980, date.getUTCFullYear()))
  return {
    time: (date.getUTCHours() << 11) | (date.getUTCMinutes() << 5) | (date.getUTCSeconds() >> 1),
    date: ((year - 1980) << 9) | ((date.getUTCMonth() + 1) << 5) | date.getUTCDate(),
  }
}

function writeUInt64(buffer: Buffer, value: number, offset: number): void {
  buffer.writeBigUInt64LE(BigInt(value), offset)
}

/** An entry being written; feed it uncompressed bytes and end it before opening the next one. */
export interface ZipEntryWriter {
  /**
   * Compresses `chunk`; resolves once the compressor has consumed it, so the caller may then
   * reuse its memory (waiting for it is also the backpressure: it resolves later while the
   * target is full).
   */
  write(chunk: Buffer): Promise<void>
  /** Flushes the compressor and writes the entry's data descriptor. */
  end(): Promise<void>
  /** Abandons the entry after a failure, releasing the compressor (the archive is unusable). */
  destroy(): void
}

/**
 * A streaming ZIP writer: every entry is deflated as it is written (local header with the
 * data-descriptor flag, then compressed bytes, then CRC-32 and sizes), honouring backpressure
 * from the target; {@link ZipWriter.finish} writes the central directory. Nothing is buffered
 * beyond zlib's window and the target's own high-water mark.
 */
export class ZipWriter {
  private readonly entries: EntryRecord[] = []
  private readonly level: number
  private readonly dos: { time: number; date: number }
  private readonly always: boolean
  private offset = 0
  private open = false
  private finished = false

  constructor(
    private readonly out: Writable,
    options: ZipWriterOptions = {},
  ) {
    this.level = options.level ?? 6
    this.dos = dosDateTime(options.modifiedAt ?? new Date())
    this.always = options.zip64 === 'always'
  }

  /** Bytes written to the target so far. */
  get bytesWritten(): number {
    return this.offset
  }

  private async raw(buffer: Buffer): Promise<void> {
    this.offset += buffer.length
    if (!this.out.write(buffer)) await waitForDrain(this.out)
  }

  private localHeader(name: Buffer, flags: number, known?: EntryRecord): Buffer {
    const extraLength = this.always ? 20 : 0
    const header = Buffer.alloc(30 + name.length + extraLength)
    header.writeUInt32LE(0x04034b50, 0)
    header.writeUInt16LE(this.always ? VERSION_ZIP64 : VERSION_20, 4)
    header.writeUInt16LE(flags, 6)
    header.writeUInt16LE(METHOD_DEFLATE, 8)
    header.writeUInt16LE(this.dos.time, 10)
    header.writeUInt16LE(this.dos.date, 12)
    if (known) header.writeUInt32LE(known.crc, 14)
    // With ZIP64 extra fields the 32-bit sizes say "see the extra field".
    header.writeUInt32LE(this.always ? MAX32 : (known?.compressedSize ?? 0), 18)
    header.writeUInt32LE(this.always ? MAX32 : (known?.size ?? 0), 22)
    header.writeUInt16LE(name.length, 26)
    header.writeUInt16LE(extraLength, 28)
    name.copy(header, 30)
    if (this.always) {
      const at = 30 + name.length
      header.writeUInt16LE(0x0001, at)
      header.writeUInt16LE(16, at + 2)
      writeUInt64(header, known?.size ?? 0, at + 4)
      writeUInt64(header, known?.compressedSize ?? 0, at + 12)
    }
    return header
  }

  private begin(path: string): Buffer {
    if (this.finished) throw new Error('zip writer already finished')
    if (this.open) throw new Error('a zip entry is still open')
    return Buffer.from(path, 'utf8')
  }

  /** Writes a whole small entry (compressed in one call; sizes go in the local header). */
  async addEntry(path: string, data: string | Buffer): Promise<void> {
    const name = this.begin(path)
    const bytes = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    const compressed = deflateRawSync(bytes, { level: this.level })
    const record: EntryRecord = {
      name,
      flags: FLAG_UTF8,
      crc: crc32(bytes),
      compressedSize: compressed.length,
      size: bytes.length,
      offset: this.offset,
    }
    this.entries.push(record)
    await this.raw(this.localHeader(name, record.flags, record))
    await this.raw(compressed)
  }

  /** Starts a streamed entry; end it before adding another. */
  async openEntry(path: string): Promise<ZipEntryWriter> {
    const name = this.begin(path)
    const record: EntryRecord = {
      name,
      flags: FLAG_UTF8 | FLAG_DESCRIPTOR,
      crc: 0,
      compressedSize: 0,
      size: 0,
      offset: this.offset,
    }
    this.open = true
    await this.raw(this.localHeader(name, record.flags))
    // zlib's default 16 KB output chunks: each is a fresh buffer held until the target wrote it.
    const deflate: DeflateRaw = createDeflateRaw({ level: this.level, chunkSize: COMPRESSED_CHUNK_BYTES })
    const out = this.out
    let waiting = false
    const resume = () => {
      waiting = false
      deflate.resume()
    }
    const onOutFailure = () => {
      deflate.destroy(out.errored ?? new Error('zip target closed while an entry was being written'))
    }
    out.on('close', onOutFailure)
    out.on('error', onOutFailure)
    deflate.on('data', (chunk: Buffer) => {
      record.compressedSize += chunk.length
      this.offset += chunk.length
      if (!out.write(chunk) && !waiting) {
        waiting = true
        deflate.pause()
        out.once('drain', resume)
      }
    })
    const ended = new Promise<void>((resolve, reject) => {
      deflate.once('end', resolve)
      deflate.once('error', reject)
    })
    // Observed even if the caller never reaches end(): a failed compressor must not be unhandled.
    ended.catch(() => undefined)
    const detach = () => {
      out.off('close', onOutFailure)
      out.off('error', onOutFailure)
      out.off('drain', resume)
    }
    return {
      write: (chunk) => {
        record.crc = crc32(chunk, record.crc)
        record.size += chunk.length
        return new Promise<void>((resolve, reject) => {
          // A compressor destroyed by a failed target reports that failure, not the refused write.
          deflate.write(chunk, (error) => (error ? reject(deflate.errored ?? error) : resolve()))
        })
      },
      end: async () => {
        deflate.end()
        try {
          await ended
        } finally {
          detach()
        }
        const wide = this.always || record.size >= MAX32 || record.compressedSize >= MAX32
        const descriptor = Buffer.alloc(wide ? 24 : 16)
        descriptor.writeUInt32LE(0x08074b50, 0)
        descriptor.writeUInt32LE(record.crc, 4)
        if (wide) {
          writeUInt64(descriptor, record.compressedSize, 8)
          writeUInt64(descriptor, record.size, 16)
        } else {
          descriptor.writeUInt32LE(record.compressedSize, 8)
          descriptor.writeUInt32LE(record.size, 12)
        }
        this.entries.push(record)
        this.open = false
        await this.raw(descriptor)
      },
      destroy: () => {
        detach()
        deflate.destroy()
      },
    }
  }

  /** Writes the central directory and the end records (the caller ends the target). */
  async finish(): Promise<void> {
    if (this.open) throw new Error('a zip entry is still open')
    if (this.finished) return
    this.finished = true
    const directoryOffset = this.offset
    for (const entry of this.entries) {
      const bigSize = this.always || entry.size >= MAX32
      const bigCompressed = this.always || entry.compressedSize >= MAX32
      const bigOffset = this.always || entry.offset >= MAX32
      const extraFields = (bigSize ? 1 : 0) + (bigCompressed ? 1 : 0) + (bigOffset ? 1 : 0)
      const extraLength = extraFields > 0 ? 4 + 8 * extraFields : 0
      const header = Buffer.alloc(46 + entry.name.length + extraLength)
      const version = extraFields > 0 ? VERSION_ZIP64 : VERSION_20
      header.writeUInt32LE(0x02014b50, 0)
      header.writeUInt16LE(version, 4)
      header.writeUInt16LE(version, 6)
      header.writeUInt16LE(entry.flags, 8)
      header.writeUInt16LE(METHOD_DEFLATE, 10)
      header.writeUInt16LE(this.dos.time, 12)
      header.writeUInt16LE(this.dos.date, 14)
      header.writeUInt32LE(entry.crc, 16)
      header.writeUInt32LE(bigCompressed ? MAX32 : entry.compressedSize, 20)
      header.writeUInt32LE(bigSize ? MAX32 : entry.size, 24)
      header.writeUInt16LE(entry.name.length, 28)
      header.writeUInt16LE(extraLength, 30)
      header.writeUInt32LE(bigOffset ? MAX32 : entry.offset, 42)
      entry.name.copy(header, 46)
      if (extraFields > 0) {
        let at = 46 + entry.name.length
        header.writeUInt16LE(0x0001, at)
        header.writeUInt16LE(8 * extraFields, at + 2)
        at += 4
        // Fixed order: uncompressed size, compressed size, local header offset.
        if (bigSize) {
          writeUInt64(header, entry.size, at)
          at += 8
        }
        if (bigCompressed) {
          writeUInt64(header, entry.compressedSize, at)
          at += 8
        }
        if (bigOffset) writeUInt64(header, entry.offset, at)
      }
      await this.raw(header)
    }
    const directorySize = this.offset - directoryOffset
    const count = this.entries.length
    const zip64End = this.always || count >= MAX16 || directorySize >= MAX32 || directoryOffset >= MAX32
    if (zip64End) {
      const recordOffset = this.offset
      const record = Buffer.alloc(56 + 20)
      record.writeUInt32LE(0x06064b50, 0)
      writeUInt64(record, 44, 4)
      record.writeUInt16LE(VERSION_ZIP64, 12)
      record.writeUInt16LE(VERSION_ZIP64, 14)
      writeUInt64(record, count, 24)
      writeUInt64(record, count, 32)
      writeUInt64(record, directorySize, 40)
      writeUInt64(record, directoryOffset, 48)
      record.writeUInt32LE(0x07064b50, 56)
      writeUInt64(record, recordOffset, 64)
      record.writeUInt32LE(1, 72)
      await this.raw(record)
    }
    const end = Buffer.alloc(22)
    end.writeUInt32LE(0x06054b50, 0)
    end.writeUInt16LE(zip64End ? MAX16 : count, 8)
    end.writeUInt16LE(zip64End ? MAX16 : count, 10)
    end.writeUInt32LE(zip64End ? MAX32 : directorySize, 12)
    end.writeUInt32LE(zip64End ? MAX32 : directoryOffset, 16)
    await this.raw(end)
  }
}
