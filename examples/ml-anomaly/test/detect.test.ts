import { expect, it } from 'vitest'
import { detect, latencySeries } from '../src/detect.js'

it('flags the incident and nothing long before it', async () => {
  const series = latencySeries({ points: 480, incidentAt: 300, incidentLength: 10 })
  const flagged = await detect(series)
  expect(flagged.some((f) => f.index >= 300 && f.index < 310)).toBe(true)
  expect(flagged.filter((f) => f.index >= 100 && f.index < 300)).toEqual([])
})

it('flags nothing in a series without an incident once warmed up', async () => {
  const flagged = await detect(latencySeries({ points: 480, incidentAt: 10_000, incidentLength: 0 }))
  expect(flagged.filter((f) => f.index >= 100)).toEqual([])
})
