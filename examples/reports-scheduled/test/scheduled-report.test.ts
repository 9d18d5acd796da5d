import { createFakeClock } from '@opskit/core/testing'
import type { ReportDelivery } from '@opskit/reports'
import { expect, it } from 'vitest'
import { startScheduledReports } from '../src/scheduled-report.js'

it('runs the schedule once per slot and delivers a link that downloads the CSV', async () => {
  const clock = createFakeClock(Date.UTC(2026, 5, 1, 10, 0, 30))
  const deliveries: ReportDelivery[] = []
  const app = await startScheduledReports({ clock, onDelivery: (d) => deliveries.push(d) })
  try {
    expect((await app.reports.runDueSchedules()).started).toEqual([])
    await clock.advance(45_000)
    const first = await app.reports.runDueSchedules()
    expect(first.started).toHaveLength(1)
    expect((await app.reports.runDueSchedules()).started).toEqual([])
    expect(deliveries).toHaveLength(1)
    expect(deliveries[0]).toMatchObject({ to: 'owner@shop.example', rows: 2, format: 'csv' })
    const download = await app.reports.redeem(deliveries[0]!.url.split('/').pop() as string)
    const chunks: Buffer[] = []
    for await (const chunk of download.stream) chunks.push(chunk as Buffer)
    const csv = Buffer.concat(chunks).toString('utf8')
    expect(csv).toContain('Mug')
    expect(csv).toContain('T-shirt')
  } finally {
    await app.close()
  }
})
