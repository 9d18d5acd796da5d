// Test helper: reads a ZIP file the way an unzipper does (end records, central directory,
// local headers, data descriptors) and inflates every entry against its CRC-32 and sizes.
import { crc32, inflateRawSync } from 'node:zlib'

export interface CheckedEntry {
  name: string
  size: number
  compressedSize: number
  zip64: boolean
  data: Buffer
}

const MAX32 = 0xffffffff

function findEnd(zip: Buffer): number {
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--)
    if (zip.readUInt32LE(at) === 0x06054b50) return at
  throw new Error('no end of central directory record')
}

/** Parses and verifies `zip`; throws on any inconsistency. */
export function checkZip(zip: Buffer): { entries: CheckedEntry[]; zip64End: boolean } {
  const end = findEnd(zip)
  let count = zip.readUInt16LE(end + 10)
  let directorySize = zip.readUInt32LE(end + 12)
  let directoryOffset = zip.readUInt32LE(end + 16)
  let zip64End = false
  if (count === 0xffff || directorySize === MAX32 || directoryOffset === MAX32) {
    const locator = end - 20
    if (zip.readUInt32LE(locator) !== 0x07064b50) throw new Error('missing ZIP64 end locator')
    const record = Number(zip.readBigUInt64LE(locator + 8))
    if (zip.readUInt32LE(record) !== 0x06064b50) throw new Error('missing ZIP64 end record')
    count = Number(zip.readBigUInt64LE(record + 32))
    directorySize = Number(zip.readBigUInt64LE(record + 40))
    directoryOffset = Number(zip.readBigUInt64LE(record + 48))
    if (record !== directoryOffset + directorySize)
      throw new Error('ZIP64 end record is not after the directory')
    zip64End = true
  } else if (end !== directoryOffset + directorySize) {
    throw new Error('end record is not right after the central directory')
  }
  const entries: CheckedEntry[] = []
  let at = directoryOffset
  let expectedLocal = 0
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`bad central header ${n}`)
    const flags = zip.readUInt16LE(at + 8)
    const method = zip.readUInt16LE(at + 10)
    const crc = zip.readUInt32LE(at + 16)
    let compressedSize = zip.readUInt32LE(at + 20)
    let size = zip.readUInt32LE(at + 24)
    const nameLength = zip.readUInt16LE(at + 28)
    const extraLength = zip.readUInt16LE(at + 30)
    const commentLength = zip.readUInt16LE(at + 32)
    let offset = zip.readUInt32LE(at + 42)
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength)
    let zip64 = false
    let wideSizes = false
    for (let e = at + 46 + nameLength; e < at + 46 + nameLength + extraLength; ) {
      const id = zip.readUInt16LE(e)
      const length = zip.readUInt16LE(e + 2)
      if (id === 0x0001) {
        zip64 = true
        let f = e + 4
        wideSizes = size === MAX32 || compressedSize === MAX32
        if (size === MAX32) {
          size = Number(zip.readBigUInt64LE(f))
          f += 8
        }
        if (compressedSize === MAX32) {
          compressedSize = Number(zip.readBigUInt64LE(f))
          f += 8
        }
        if (offset === MAX32) offset = Number(zip.readBigUInt64LE(f))
      }
      e += 4 + length
    }
    if (method !== 8) throw new Error(`${name}: method ${method}, expected deflate`)
    if (offset !== expectedLocal)
      throw new Error(`${name}: local header at ${offset}, expected ${expectedLocal}`)
    if (zip.readUInt32LE(offset) !== 0x04034b50) throw new Error(`${name}: bad local header`)
    const localName = zip.toString('utf8', offset + 30, offset + 30 + zip.readUInt16LE(offset + 26))
    if (localName !== name) throw new Error(`${name}: local header names ${localName}`)
    const dataStart = offset + 30 + zip.readUInt16LE(offset + 26) + zip.readUInt16LE(offset + 28)
    const data = inflateRawSync(zip.subarray(dataStart, dataStart + compressedSize))
    if (data.length !== size)
      throw new Error(`${name}: inflated ${data.length} bytes, directory says ${size}`)
    if (crc32(data) !== crc) throw new Error(`${name}: CRC mismatch`)
    let next = dataStart + compressedSize
    if (flags & 0x0008) {
      if (zip.readUInt32LE(next) !== 0x08074b50) throw new Error(`${name}: missing data descriptor`)
      if (zip.readUInt32LE(next + 4) !== crc) throw new Error(`${name}: descriptor CRC mismatch`)
      const wide = wideSizes
      const dSize = wide ? Number(zip.readBigUInt64LE(next + 16)) : zip.readUInt32LE(next + 12)
      const dCompressed = wide ? Number(zip.readBigUInt64LE(next + 8)) : zip.readUInt32LE(next + 8)
      if (dSize !== size || dCompressed !== compressedSize)
        throw new Error(`${name}: descriptor sizes differ`)
      next += wide ? 24 : 16
    } else if (zip.readUInt32LE(offset + 14) !== crc) {
      throw new Error(`${name}: local header CRC mismatch`)
    }
    expectedLocal = next
    entries.push({ name, size, compressedSize, zip64, data })
    at += 46 + nameLength + extraLength + commentLength
  }
  if (expectedLocal !== directoryOffset) throw new Error('gap between the last entry and the directory')
  return { entries, zip64End }
}
