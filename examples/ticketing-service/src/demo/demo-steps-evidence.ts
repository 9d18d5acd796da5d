import { writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { dailySalesReport } from '../reports/daily-sales.js'
import { sumOf } from './api-client.js'
import { CUSTOMERS, type DemoContext, sleep } from './demo-context.js'
import type { ReceivedMail } from './local-smtp.js'
import type { DemoStep } from './step-runner.js'

/** Check what the run delivered: mail, SMS and push, the reports, a one-time download link. */
export function evidenceSteps(ctx: DemoContext): DemoStep[] {
  return [
    {
      title: 'emails received by the SMTP server, SMS and push recorded',
      needs: ['notify'],
      async run() {
        const notify = ctx.svc().notify
        if (!notify || !ctx.smtp) throw new Error('the notifier was not started')
        const mail = ctx.smtp.messages
        const subjects = (re: RegExp) => mail.filter((m) => re.test(m.subject)).length
        const expected = { welcome: CUSTOMERS + 2, orders: ctx.orders.length }
        const deadline = Date.now() + 20_000
        while (
          (subjects(/^Welcome/) < expected.welcome ||
            subjects(/ticket\(s\) for/) < expected.orders ||
            subjects(/^Refund/) < 1 ||
            notify.providers.sms.sent.length === 0) &&
          Date.now() < deadline
        ) {
          await sleep(200)
        }
        const welcome = subjects(/^Welcome/)
        const confirmations = subjects(/ticket\(s\) for/)
        if (welcome < expected.welcome)
          throw new Error(`${welcome} of ${expected.welcome} welcome e-mails arrived`)
        if (confirmations < expected.orders) {
          throw new Error(`${confirmations} of ${expected.orders} order confirmations arrived`)
        }
        const refundSms = notify.providers.sms.sent.filter((m) => m.body.includes('refund'))
        if (subjects(/^Refund/) < 1 || refundSms.length < 1) throw new Error('the refund was not notified')
        const pushes = notify.providers.push.sent.length
        if (pushes === 0) throw new Error('no push notification was recorded')
        const sample = mail.find((m: ReceivedMail) => /ticket\(s\) for/.test(m.subject))
        return `${mail.length} e-mails received over SMTP (${welcome} welcome, ${confirmations} order confirmations, refund, alerts); ${notify.providers.sms.sent.length} SMS and ${pushes} push recorded; e.g. "${sample?.subject}"`
      },
    },
    {
      title: 'the daily sales report rendered to CSV, XLSX and PDF under ./demo-output/',
      needs: ['reports'],
      async run() {
        const { reports } = ctx.svc().reports
        const date = new Date().toISOString().slice(0, 10)
        const files: string[] = []
        for (const format of ['csv', 'xlsx', 'pdf']) {
          const result = await reports.run(dailySalesReport, { date }, { format })
          const link = await reports.createDownloadLink(result.artifactId, {
            maxDownloads: 1,
            expiresInMs: 600_000,
          })
          const response = await fetch(link.url)
          if (response.status !== 200)
            throw new Error(`downloading the ${format} answered ${response.status}`)
          const body = Buffer.from(await response.arrayBuffer())
          const magic = { csv: 'Event', xlsx: 'PK', pdf: '%PDF' }[format] as string
          if (
            !body
              .subarray(0, 8)
              .toString('latin1')
              .replace(/^\uFEFF|^\xEF\xBB\xBF/, '')
              .replace(/^"/, '') // CSV text fields are quoted
              .startsWith(magic)
          ) {
            throw new Error(`the ${format} does not start with ${magic}`)
          }
          const file = join(ctx.outDir, `daily-sales-${date}.${format}`)
          writeFileSync(file, body)
          files.push(`${format} ${result.rows} rows ${(body.length / 1024).toFixed(1)} KiB`)
          if (format === 'csv') ctx.csvArtifact = result.artifactId
        }
        return `daily-sales-${date}.{csv,xlsx,pdf}: ${files.join('; ')}`
      },
    },
    {
      title: 'a report download link is redeemed once and refused the second time',
      needs: ['reports'],
      async run() {
        if (!ctx.csvArtifact) throw new Error('no report was rendered')
        const link = await ctx.svc().reports.reports.createDownloadLink(ctx.csvArtifact, {
          maxDownloads: 1,
          expiresInMs: 600_000,
        })
        const first = await fetch(link.url)
        await first.arrayBuffer()
        const second = await fetch(link.url)
        const refusal = (await second.json()) as { error: { code: string } }
        if (first.status !== 200 || second.status !== 410) {
          throw new Error(`the link answered ${first.status}, then ${second.status}`)
        }
        return `first GET 200, second GET 410 ${refusal.error.code}; both recorded in the audit trail`
      },
    },
  ]
}

/** Check the audit chain, the health probes and that /metrics agrees with the database. */
export function integritySteps(ctx: DemoContext): DemoStep[] {
  return [
    {
      title: 'audit events written and the chain verifies',
      needs: ['audit'],
      async run() {
        const { log, publicKey, checkpoints } = ctx.svc().audit
        await log.flush()
        const byAction = new Map<string, number>()
        let cursor: string | undefined
        do {
          const page = await log.query({ limit: 500, ...(cursor ? { cursor } : {}) })
          for (const e of page.events) {
            const key = `${e.action}${e.outcome === 'failure' ? ' (failed)' : ''}`
            byAction.set(key, (byAction.get(key) ?? 0) + 1)
          }
          cursor = page.nextCursor
        } while (cursor)
        const required = [
          'user.login (failed)',
          'order.create',
          'order.refund',
          'permission.change',
          'alert.acknowledge',
        ]
        if (ctx.svc().features.reports.wired)
          required.push('report.download', 'report.download.refused (failed)')
        for (const needed of required) {
          if (!byAction.has(needed)) throw new Error(`no ${needed} event in the audit log`)
        }
        const signed = await log.checkpoint()
        const all = [...new Set([...checkpoints, ...signed])]
        const result = await log.verify({ publicKey, checkpoint: all })
        if (!result.ok) throw new Error(`verify failed: ${JSON.stringify(result.failures.slice(0, 3))}`)
        const total = [...byAction.values()].reduce((a, b) => a + b, 0)
        const top = [...byAction.entries()].map(([k, v]) => `${k} ${v}`).join(', ')
        return `${total} events (${top}); verify ok over ${result.checked} events against ${all.length} signed checkpoint(s)`
      },
    },
    {
      title: 'health probes, secured /metrics and the numbers add up',
      async run() {
        const live = await fetch(`${ctx.svc().url}/healthz`)
        const ready = await fetch(`${ctx.svc().url}/readyz`)
        if (live.status !== 200 || ready.status !== 200)
          throw new Error(`health ${live.status}/${ready.status}`)
        const anonymous = await fetch(`${ctx.svc().url}/metrics`)
        if (anonymous.status !== 401)
          throw new Error(`/metrics without credentials answered ${anonymous.status}`)
        const samples = await ctx.metrics()
        const sold = sumOf(samples, 'ticketing_tickets_sold_total')
        const row = await ctx
          .svc()
          .db.selectFrom('tix_order_items')
          .select((eb) => eb.fn.sum<number>('quantity').as('total'))
          .executeTakeFirstOrThrow()
        if (Number(row.total) !== sold)
          throw new Error(`metrics say ${sold} tickets sold, the database ${row.total}`)
        const requests = sumOf(samples, 'http_server_request_duration_seconds_count')
        return `/healthz and /readyz 200, /metrics 401 without credentials; ${requests} requests measured, ${sold} tickets sold = database`
      },
    },
  ]
}
