// `npm start -w @opskit-examples/reports-scheduled`: schedules a CSV report every minute
// (Europe/Berlin), waits for the first slot (up to a minute), then redeems the delivered link.
import type { ReportDelivery } from '@opskit/reports'
import { startScheduledReports } from './scheduled-report.js'

let resolveDelivery: (delivery: ReportDelivery) => void = () => undefined
const delivered = new Promise<ReportDelivery>((resolve) => {
  resolveDelivery = resolve
})
const app = await startScheduledReports({ onDelivery: (d) => resolveDelivery(d) })
console.log('scheduled hourly-sales every minute; waiting for the next slot …')
app.reports.startScheduler({ intervalMs: 1000 })
// The scheduler's timer does not keep the process alive on its own (it is unref'd).
const keepAlive = setInterval(() => undefined, 1000)
const delivery = await delivered
clearInterval(keepAlive)
console.log(
  `delivered to ${String(delivery.to)}: ${delivery.filename}, ${delivery.rows} rows, link ${delivery.url}`,
)
const token = delivery.url.split('/').pop() as string
const download = await app.reports.redeem(token)
const chunks: Buffer[] = []
for await (const chunk of download.stream) chunks.push(chunk as Buffer)
console.log(Buffer.concat(chunks).toString('utf8'))
console.log(`history: ${(await app.reports.history()).map((r) => `${r.report} ${r.status}`).join(', ')}`)
await app.close()
