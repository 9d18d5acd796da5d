import { describe, expect, it } from 'vitest'
import { countSmsSegments } from '../src/index.js'

describe('countSmsSegments', () => {
  it.each([
    ['', 'GSM-7', 1, 0],
    ['a'.repeat(160), 'GSM-7', 1, 160],
    ['a'.repeat(161), 'GSM-7', 2, 161],
    ['a'.repeat(306), 'GSM-7', 2, 306],
    ['a'.repeat(307), 'GSM-7', 3, 307],
    ['€'.repeat(80), 'GSM-7', 1, 160],
    ['€'.repeat(81), 'GSM-7', 2, 162],
    ['é'.repeat(160), 'GSM-7', 1, 160],
    ['ç'.repeat(70), 'UCS-2', 1, 70],
    ['ç'.repeat(71), 'UCS-2', 2, 71],
    ['ç'.repeat(134), 'UCS-2', 2, 134],
    ['ç'.repeat(135), 'UCS-2', 3, 135],
    ['😀'.repeat(35), 'UCS-2', 1, 70],
  ])('%#: %j', (body, encoding, segments, units) => {
    expect(countSmsSegments(body)).toEqual({ encoding, segments, units })
  })

  it('never splits an extension character or a surrogate pair across segments', () => {
    // 152 septets then '€' (2 septets): the escape pair moves whole into segment 2
    expect(countSmsSegments(`${'a'.repeat(152)}€${'a'.repeat(150)}`).segments).toBe(2)
    expect(countSmsSegments(`${'a'.repeat(152)}€${'a'.repeat(152)}`).segments).toBe(3)
    // 66 units then an emoji (2 units): 67 per segment, the pair goes whole into segment 2
    expect(countSmsSegments(`${'ç'.repeat(66)}😀${'ç'.repeat(65)}`).segments).toBe(2)
    expect(countSmsSegments(`${'ç'.repeat(66)}😀${'ç'.repeat(66)}`).segments).toBe(3)
  })
})
