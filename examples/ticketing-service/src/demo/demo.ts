import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { dailySalesReport } from '../reports/daily-sales.js'
import { startTicketingService, type TicketingService } from '../service.js'
import { type ApiResponse, apiClient, parseMetrics, type Sample, sumOf } from './api-client.js'
import { type ReceivedMail, startLocalSmtp } from './local-smtp.js'
import { type DemoStep, runSteps, type StepResult } from './step-runner.js'

/** Options of {@link runDemo}. */
export interface DemoOptions {
  /** Where reports and the summary are written. */
  outDir: string
  /** Where each progress line goes. @default console.log */
  write?: (line: string) => void
  /** How long the injected latency spike lasts. @default 6000 */
  spikeMs?: number
  /** Keep the service running after the steps (the caller closes it). @default false */
  keepRunning?: boolean
}

/** What {@link runDemo} did. */
export interface DemoResult {
  results: StepResult[]
  ok: boolean
  /** The running service when `keepRunning` was set. */
  service?: TicketingService
  /** Closes the kept service and deletes its temporary database (when `keepRunning` was set). */
  stop?: () => Promise<void>
  credentials: { admin: { email: string; password: string }; metrics: { username: string; password: string } }
}

const ADMIN = { email: 'admin@tickets.example', password: 'demo-admin-password' }
const METRICS = { username: 'prometheus', password: 'demo-scrape-password' }
const OPERATORS = { email: 'oncall@tickets.example', phone: '+15555550100' }
const CUSTOMERS = 24
const SPIKE_EXTRA_MS = 900

const range = (n: number) => Array.from({ length: n }, (_, i) => i)

function expectStatus(res: ApiResponse, status: number, what: string): void {
  if (res.status !== status) {
    throw new Error(`${what}: expected HTTP ${status}, got ${res.status} ${JSON.stringify(res.json)}`)
  }
}

async function inBatches<T>(items: T[], size: number, fn: (item: T) => Promise<void>): Promise<void> {
  for (let i = 0; i < items.length; i += size) await Promise.all(items.slice(i, i + size).map(fn))
}

/**
 * Runs the scripted demo against a real ticketing service on a temporary SQLite file and a
 * loopback port. Steps whose capability is not wired in this build are reported as
 * "not available yet"; `ok` is true when no step that ran failed.
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const write = options.write ?? ((line: string) => console.log(line))
  const spikeMs = options.spikeMs ?? 6000
  rmSync(options.outDir, { recursive: true, force: true })
  mkdirSync(options.outDir, { recursive: true })
  const workDir = mkdtempSync(join(tmpdir(), 'opskit-demo-'))

  let service: TicketingService | undefined
  let smtp: Awaited<ReturnType<typeof startLocalSmtp>> | undefined
  let csvArtifact: string | undefined
  const spike = { from: 0, to: 0 }
  const svc = () => {
    if (!service) throw new Error('the service did not start')
    return service
  }
  const api = (ua = 'Mozilla/5.0 (demo browser)') => apiClient(svc().url, ua)
  const metrics = async (): Promise<Sample[]> => {
    const auth = Buffer.from(`${METRICS.username}:${METRICS.password}`).toString('base64')
    const res = await fetch(`${svc().url}/metrics`, { headers: { authorization: `Basic ${auth}` } })
    if (res.status !== 200) throw new Error(`/metrics answered ${res.status}`)
    return parseMetrics(await res.text())
  }

  const tokens: { email: string; token: string }[] = []
  const orders: { orderId: string; token: string }[] = []
  let organizer = { id: '', token: '' }
  let adminToken = ''
  const events: { id: string; name: string }[] = []

  const steps: DemoStep[] = [
    {
      title: 'start a local SMTP server (smtp-server on loopback) to receive the e-mail',
      needs: ['notify'],
      async run() {
        smtp = await startLocalSmtp()
        return `listening on ${smtp.host}:${smtp.port}; SMS and push go to recording providers`
      },
    },
    {
      title: 'start the ticketing service (temporary SQLite file, loopback port, migrations)',
      async run() {
        service = await startTicketingService({
          dbPath: join(workDir, 'ticketing.db'),
          admin: ADMIN,
          metricsAuth: METRICS,
          alertEvaluationMs: 500,
          latencySampleMs: 500,
          operators: OPERATORS,
          // The demo creates ~30 accounts and logs in ~60 times in seconds: it hashes at N = 2^14
          // (16 MiB). A real deployment keeps the default, OWASP's floor (N = 2^17, 128 MiB).
          scryptCost: { N: 2 ** 14, r: 8, p: 1 },
          ...(smtp
            ? { smtp: { host: smtp.host, port: smtp.port, from: 'Opskit Tickets <tickets@tickets.example>' } }
            : {}),
        })
        adminToken = (await api()('POST', '/api/sessions', ADMIN)).json.token
        return `listening on ${service.url}, database ${join(workDir, 'ticketing.db')}`
      },
    },
    {
      title: `register ${CUSTOMERS} customers and an organizer`,
      async run() {
        const client = api()
        await inBatches(range(CUSTOMERS), 4, async (i) => {
          const res = await client('POST', '/api/users', {
            email: `fan${i}@tickets.example`,
            password: `fan-${i}-password`,
            name: `Fan ${i}`,
            ...(i % 4 === 0 ? { phone: `+1555555${String(1000 + i)}` } : {}),
          })
          expectStatus(res, 201, `registering fan${i}`)
        })
        const org = await client('POST', '/api/users', {
          email: 'olivia@tickets.example',
          password: 'olivia-password',
          name: 'Olivia Organizer',
        })
        expectStatus(org, 201, 'registering the organizer')
        organizer = { id: org.json.id, token: '' }
        const dup = await client('POST', '/api/users', {
          email: 'fan0@tickets.example',
          password: 'someone-else-pw',
          name: 'Copycat',
        })
        expectStatus(dup, 409, 'registering a taken e-mail address')
        return `${CUSTOMERS + 1} accounts created (scrypt hashes), a duplicate refused with 409`
      },
    },
    {
      title: 'logins: every customer, plus wrong passwords and unknown accounts',
      async run() {
        const before = await metrics()
        const client = api()
        await inBatches(range(CUSTOMERS), 4, async (i) => {
          const res = await client('POST', '/api/sessions', {
            email: `fan${i}@tickets.example`,
            password: `fan-${i}-password`,
          })
          expectStatus(res, 201, `login of fan${i}`)
          tokens.push({ email: `fan${i}@tickets.example`, token: res.json.token })
          if (i % 3 === 0) {
            const device = await client(
              'POST',
              '/api/devices',
              { token: `device-token-fan${i}-${'x'.repeat(24)}`, platform: i % 2 === 0 ? 'android' : 'ios' },
              res.json.token,
            )
            expectStatus(device, 201, 'registering a phone for push')
          }
        })
        const attempts = [
          ...range(6).map((i) => ({ email: `fan${i}@tickets.example`, password: 'guess123' })),
          ...range(3).map((i) => ({ email: `ghost${i}@tickets.example`, password: 'guess123' })),
        ]
        const attacker = apiClient(svc().url, 'python-requests/2.31')
        for (const attempt of attempts) {
          expectStatus(await attacker('POST', '/api/sessions', attempt), 401, 'a wrong password')
        }
        const after = await metrics()
        const failures =
          sumOf(after, 'ticketing_logins_total', { outcome: 'failure' }) -
          sumOf(before, 'ticketing_logins_total', { outcome: 'failure' })
        if (failures !== attempts.length) throw new Error(`metrics counted ${failures} failed logins`)
        return `${CUSTOMERS} logins ok, ${attempts.length} refused (401) and counted in ticketing_logins_total`
      },
    },
    {
      title: 'admin permission change: the administrator makes Olivia an organizer',
      async run() {
        const res = await api()(
          'PUT',
          `/api/admin/users/${organizer.id}/role`,
          { role: 'organizer' },
          adminToken,
        )
        expectStatus(res, 200, 'the role change')
        const login = await api()('POST', '/api/sessions', {
          email: 'olivia@tickets.example',
          password: 'olivia-password',
        })
        organizer.token = login.json.token
        const denied = await api()(
          'PUT',
          `/api/admin/users/${organizer.id}/role`,
          { role: 'admin' },
          organizer.token,
        )
        expectStatus(denied, 403, 'a non-admin changing roles')
        return `${res.json.before} → ${res.json.after}; a non-admin attempt refused with 403`
      },
    },
    {
      title: 'the organizer publishes two events',
      async run() {
        for (const [name, capacity, priceCents] of [
          ['Midnight Jazz', 120, 4_500],
          ['Stadium Tour 2027', 60, 12_000],
        ] as const) {
          const res = await api()(
            'POST',
            '/api/events',
            { name, venue: 'Opskit Arena', startsAt: '2027-06-01T20:00:00Z', capacity, priceCents },
            organizer.token,
          )
          expectStatus(res, 201, `publishing ${name}`)
          events.push({ id: res.json.id, name })
        }
        return events.map((e) => e.name).join(', ')
      },
    },
    {
      title: 'customers buy tickets',
      async run() {
        let tickets = 0
        await inBatches(tokens, 3, async ({ token }) => {
          const i = tokens.findIndex((t) => t.token === token)
          const event = events[i % 3 === 0 ? 1 : 0]!
          const quantity = 1 + (i % 3)
          const res = await api()('POST', '/api/orders', { eventId: event.id, quantity }, token)
          expectStatus(res, 201, 'a purchase')
          orders.push({ orderId: res.json.orderId, token })
          tickets += quantity
        })
        return `${orders.length} orders, ${tickets} tickets`
      },
    },
    {
      title: 'a scalper bot session hammers the hot event until it sells out',
      async run() {
        const bot = apiClient(svc().url, 'ticket-sniper/2.1')
        const reg = await bot('POST', '/api/users', {
          email: 'bulkbuyer@resale.example',
          password: 'bot-password-1',
          name: 'B',
        })
        expectStatus(reg, 201, 'the bot registering')
        const token = (
          await bot('POST', '/api/sessions', {
            email: 'bulkbuyer@resale.example',
            password: 'bot-password-1',
          })
        ).json.token
        const hot = events[1]!
        let bought = 0
        let refused = 0
        for (const _ of range(12)) {
          const res = await bot('POST', '/api/orders', { eventId: hot.id, quantity: 10 }, token)
          if (res.status === 201) bought += 10
          else if (res.status === 409) refused++
          else expectStatus(res, 201, 'a bot purchase')
        }
        const list = await api()('GET', '/api/events')
        const left = list.json.events.find((e: { id: string }) => e.id === hot.id).available
        if (refused === 0 || left >= 10) throw new Error(`the bot was never refused (${left} left)`)
        return `12 orders in a burst from one session: ${bought} tickets bought, ${refused} refused as SOLD_OUT, ${left} left`
      },
    },
    {
      title: 'a customer refunds an order',
      async run() {
        const fan0 = tokens.find((t) => t.email === 'fan0@tickets.example')!
        const order = orders.find((o) => o.token === fan0.token)!
        const res = await api()(
          'POST',
          `/api/orders/${order.orderId}/refund`,
          { reason: 'cannot attend' },
          order.token,
        )
        expectStatus(res, 200, 'the refund')
        const again = await api()(
          'POST',
          `/api/orders/${order.orderId}/refund`,
          { reason: 'again' },
          order.token,
        )
        expectStatus(again, 409, 'a second refund')
        return `refunded €${(res.json.amountCents / 100).toFixed(2)}; a second refund refused with 409`
      },
    },
    {
      title: `inject a latency spike (+${SPIKE_EXTRA_MS} ms on /api for ${spikeMs / 1000} s) under background traffic`,
      async run() {
        const slow = (samples: Sample[]) =>
          sumOf(samples, 'http_server_request_duration_seconds_count') -
          sumOf(samples, 'http_server_request_duration_seconds_bucket', { le: '0.75' })
        const client = api()
        // Three seconds of normal browsing first, so the anomaly detector has a baseline of
        // latency points however fast the machine ran the steps before.
        const baselineUntil = Date.now() + 3_000
        while (Date.now() < baselineUntil) {
          expectStatus(await client('GET', '/api/events'), 200, 'browsing')
          await new Promise((resolve) => setTimeout(resolve, 50))
        }
        const before = slow(await metrics())
        spike.from = Date.now()
        svc().chaos.setExtraLatencyMs(SPIKE_EXTRA_MS)
        const until = Date.now() + spikeMs
        await Promise.all(
          range(4).map(async () => {
            while (Date.now() < until) expectStatus(await client('GET', '/api/events'), 200, 'browsing')
          }),
        )
        svc().chaos.setExtraLatencyMs(0)
        spike.to = Date.now()
        for (const _ of range(20)) expectStatus(await client('GET', '/api/events'), 200, 'browsing')
        const spiked = slow(await metrics()) - before
        if (spiked < 4) throw new Error(`only ${spiked} slow requests were measured`)
        return `${spiked} requests over 750 ms recorded in http_server_request_duration_seconds, then back to normal`
      },
    },
    {
      title: 'the latency alert goes pending → firing → notified → resolved',
      needs: ['monitor.alerts'],
      async run() {
        const alerts = svc().alerts
        const client = api()
        const seen = () => alerts.transitions.filter((t) => t.rule === 'HighRequestLatency').map((t) => t.to)
        const sent = (status: 'firing' | 'resolved') =>
          alerts.notifications.some(
            (n) => n.status === status && n.alerts.some((a) => a.labels.alertname === 'HighRequestLatency'),
          )
        // Light, fast traffic (a service always has some) while the 5 s rate window slides past the spike.
        let trickling = true
        const trickle = (async () => {
          while (trickling) {
            expectStatus(await client('GET', '/api/events'), 200, 'browsing')
            await new Promise((resolve) => setTimeout(resolve, 200))
          }
        })()
        try {
          const deadline = Date.now() + 30_000
          while (!(seen().includes('resolved') && sent('resolved')) && Date.now() < deadline) {
            await new Promise((resolve) => setTimeout(resolve, 200))
          }
        } finally {
          trickling = false
          await trickle
        }
        const states = seen()
        const incident = alerts.incidents().find((i) => i.groupLabels.alertname === 'HighRequestLatency')
        const incidentStatus = incident?.status ?? 'none'
        const order = ['pending', 'firing', 'resolved'].map((state) => states.indexOf(state as never))
        if (order.some((i) => i < 0) || !(order[0]! < order[1]! && order[1]! < order[2]!)) {
          throw new Error(`HighRequestLatency went ${states.join(' → ') || 'nowhere'}`)
        }
        if (!sent('firing') || !sent('resolved')) throw new Error('the operators were not notified')
        let paged = ''
        if (svc().notify && smtp) {
          const mails = () => smtp?.messages.filter((m) => m.to.includes(OPERATORS.email)) ?? []
          const texts = () => svc().notify?.providers.sms.sent.filter((m) => m.to === OPERATORS.phone) ?? []
          const until = Date.now() + 10_000
          while ((mails().length < 2 || texts().length < 2) && Date.now() < until) {
            await new Promise((resolve) => setTimeout(resolve, 200))
          }
          if (mails().length < 2 || texts().length < 2) {
            throw new Error(
              `the on-call got ${mails().length} e-mails and ${texts().length} SMS, expected 2 each`,
            )
          }
          paged = `; on-call paged by e-mail and SMS (${mails().length} + ${texts().length})`
        }
        // The operator acknowledges the login-failure incident through /ops (session cookie + CSRF).
        const login = await fetch(`${svc().url}/ops/login`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(ADMIN),
        })
        const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
        const { csrfToken } = (await login.json()) as { csrfToken: string }
        const burst = alerts.incidents().find((i) => i.groupLabels.alertname === 'LoginFailureBurst')
        if (!burst) throw new Error('the login failures raised no incident')
        const ack = await fetch(`${svc().url}/ops/api/incidents/${burst.id}/ack`, {
          method: 'POST',
          headers: { cookie, 'x-csrf-token': csrfToken },
        })
        if (ack.status !== 200) throw new Error(`acknowledging answered ${ack.status}`)
        // Left unacknowledged past the escalation policy, the burst paged the on-call lead first.
        const escalated = alerts.notifications.some(
          (n) => n.reason === 'escalation' && n.receiver === 'on-call-lead' && n.incidentId === burst.id,
        )
        if (!escalated) throw new Error('the unacknowledged LoginFailureBurst incident was not escalated')
        const acked = alerts.incidents().find((i) => i.id === burst.id)?.status
        if (acked !== 'acknowledged') throw new Error(`the acknowledged incident is ${acked}`)
        return `${states.join(' → ')}; operators notified of firing and resolved${paged}; incident ${incidentStatus}; LoginFailureBurst escalated to the on-call lead, then acknowledged on /ops`
      },
    },
    {
      title: 'the anomaly detector flags the spike and the fraud scorer flags the bot',
      needs: ['ml.anomaly', 'ml.fraud'],
      async run() {
        const { anomalies, flagged } = svc().ml
        const inSpike = anomalies.filter((a) => a.point.at >= spike.from && a.point.at <= spike.to + 1500)
        const outside = anomalies.length - inSpike.length
        if (inSpike.length === 0) {
          throw new Error(`no latency anomaly during the spike (${anomalies.length} elsewhere)`)
        }
        const bot = flagged.find((f) => f.email === 'bulkbuyer@resale.example')
        if (!bot) throw new Error('the scalper bot was not flagged')
        const humans = flagged.filter((f) => f.email.endsWith('@tickets.example'))
        if (humans.length > 0)
          throw new Error(`customers flagged as fraud: ${humans.map((h) => h.email).join(', ')}`)
        const peak = Math.max(...inSpike.map((a) => a.point.meanMs))
        return `${inSpike.length} latency anomalies during the spike (peak ${peak} ms, score ${inSpike[0]!.result.score.toFixed(3)}), ${outside} outside it; bot flagged ${bot.score.risk} (${bot.score.score.toFixed(2)}: ${bot.score.reasons.map((r) => r.code).join(', ')}), no customer flagged`
      },
    },
    {
      title: 'emails received by the SMTP server, SMS and push recorded',
      needs: ['notify'],
      async run() {
        const notify = svc().notify
        if (!notify || !smtp) throw new Error('the notifier was not started')
        const mail = smtp.messages
        const subjects = (re: RegExp) => mail.filter((m) => re.test(m.subject)).length
        const expected = { welcome: CUSTOMERS + 2, orders: orders.length }
        const deadline = Date.now() + 20_000
        while (
          (subjects(/^Welcome/) < expected.welcome ||
            subjects(/ticket\(s\) for/) < expected.orders ||
            subjects(/^Refund/) < 1 ||
            notify.providers.sms.sent.length === 0) &&
          Date.now() < deadline
        ) {
          await new Promise((resolve) => setTimeout(resolve, 200))
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
        const { reports } = svc().reports
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
          const file = join(options.outDir, `daily-sales-${date}.${format}`)
          writeFileSync(file, body)
          files.push(`${format} ${result.rows} rows ${(body.length / 1024).toFixed(1)} KiB`)
          if (format === 'csv') csvArtifact = result.artifactId
        }
        return `daily-sales-${date}.{csv,xlsx,pdf}: ${files.join('; ')}`
      },
    },
    {
      title: 'a report download link is redeemed once and refused the second time',
      needs: ['reports'],
      async run() {
        if (!csvArtifact) throw new Error('no report was rendered')
        const link = await svc().reports.reports.createDownloadLink(csvArtifact, {
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
    {
      title: 'audit events written and the chain verifies',
      needs: ['audit'],
      async run() {
        const { log, publicKey, checkpoints } = svc().audit
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
        if (svc().features.reports.wired) required.push('report.download', 'report.download.refused (failed)')
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
        const live = await fetch(`${svc().url}/healthz`)
        const ready = await fetch(`${svc().url}/readyz`)
        if (live.status !== 200 || ready.status !== 200)
          throw new Error(`health ${live.status}/${ready.status}`)
        const anonymous = await fetch(`${svc().url}/metrics`)
        if (anonymous.status !== 401)
          throw new Error(`/metrics without credentials answered ${anonymous.status}`)
        const samples = await metrics()
        const sold = sumOf(samples, 'ticketing_tickets_sold_total')
        const row = await svc()
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

  let results: StepResult[]
  try {
    results = await runSteps(steps, write)
  } finally {
    if (!options.keepRunning) {
      await service?.close()
      await smtp?.close()
      rmSync(workDir, { recursive: true, force: true })
    }
  }
  const ok = results.every((r) => r.outcome !== 'failed')
  writeFileSync(join(options.outDir, 'summary.json'), `${JSON.stringify({ ok, results }, null, 2)}\n`)
  return {
    results,
    ok,
    ...(options.keepRunning && service
      ? {
          service,
          stop: async () => {
            await service?.close()
            await smtp?.close()
            rmSync(workDir, { recursive: true, force: true })
          },
        }
      : {}),
    credentials: { admin: ADMIN, metrics: METRICS },
  }
}
