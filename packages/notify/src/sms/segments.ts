const GSM7_BASIC =
  '@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞ\u001bÆæßÉ !"#¤%&\'()*+,-./0123456789:;<=>?¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà'
const GSM7_EXTENDED = '\f^{}\\[~]|€'
const BASIC = new Set(GSM7_BASIC)
const EXTENDED = new Set(GSM7_EXTENDED)

/** How an SMS body is encoded and how many segments it takes. */
export interface SmsSegmentInfo {
  /** `GSM-7` when every character is in the GSM 03.38 alphabet (with its extension table), else `UCS-2`. */
  encoding: 'GSM-7' | 'UCS-2'
  /** Segments billed: 160/153 septets per segment in GSM-7, 70/67 UTF-16 units in UCS-2. */
  segments: number
  /** Septets (GSM-7, extension characters count 2) or UTF-16 code units (UCS-2). */
  units: number
}

/**
 * Counts SMS segments the way carriers bill them: GSM-7 bodies fit 160 septets in one segment
 * or 153 per segment when concatenated (an escape + character from the extension table takes
 * two, never split); anything else is UCS-2 with 70, or 67 per concatenated segment, where a
 * surrogate pair (emoji) is never split across segments.
 *
 * @example
 * ```ts
 * countSmsSegments('Hello').segments // 1
 * countSmsSegments('😀'.repeat(40)).encoding // 'UCS-2'
 * ```
 */
export function countSmsSegments(body: string): SmsSegmentInfo {
  if (body.length === 0) return { encoding: 'GSM-7', segments: 1, units: 0 }
  const chars = Array.from(body)
  const gsm = chars.every((char) => BASIC.has(char) || EXTENDED.has(char))
  if (gsm) {
    const sizes = chars.map((char) => (EXTENDED.has(char) ? 2 : 1))
    return { encoding: 'GSM-7', ...pack(sizes, 160, 153) }
  }
  const sizes = chars.map((char) => char.length)
  return { encoding: 'UCS-2', ...pack(sizes, 70, 67) }
}

function pack(sizes: number[], single: number, multi: number): { segments: number; units: number } {
  const units = sizes.reduce((sum, size) => sum + size, 0)
  if (units <= single) return { segments: 1, units }
  let segments = 1
  let used = 0
  for (const size of sizes) {
    if (used + size > multi) {
      segments++
      used = 0
    }
    used += size
  }
  return { segments, units }
}
