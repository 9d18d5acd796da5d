import { type Sample, sumOf } from './api-client.js'
import {
  ADMIN,
  type DemoContext,
  expectStatus,
  OPERATORS,
  range,
  SPIKE_EXTRA_MS,
  sleep,
} from './demo-context.js'
import type { DemoStep } from './step-runner.js'

/** Inject a latency spike, follow the alert through escalation and acknowledgement, check the detectors. */
export function incidentSteps(ctx: DemoContext): DemoStep[] {
  return [latencySpikeStep(ctx), latencyAlertStep(ctx), detectorsStep(ctx)]
}

function latencySpikeStep(ctx: DemoContext): DemoStep {
  return {
    title: `inject a latency spike (+${SPIKE_EXTRA_MS} ms on /api for ${ctx.spikeMs / 1000} s) under background traffic`,
    async run() {
      const slow = (samples: Sample[]) =>
        sumOf(samples, 'http_server_request_duration_seconds_count') -
        sumOf(samples, 'http_server_request_duration_seconds_bucket', { le: '0.75' })
      const client = ctx.api()
      // Three seconds of normal browsing first, so the anomaly detector has a baseline of
      // latency points however fast the machine ran the steps before.
      const baselineUntil = Date.now() + 3_000
      while (Date.now() < baselineUntil) {
        expectStatus(await client('GET', '/api/events'), 200, 'browsing')
        await sleep(50)
      }
      const before = slow(await ctx.metrics())
      ctx.spike.from = Date.now()
      ctx.svc().chaos.setExtraLatencyMs(SPIKE_EXTRA_MS)
      const until = Date.now() + ctx.spikeMs
      await Promise.all(
        range(4).map(async () => {
          while (Date.now() < until) expectStatus(await client('GET', '/api/events'), 200, 'browsing')
        }),
      )
      ctx.svc().chaos.setExtraLatencyMs(0)
      ctx.spike.to = Date.now()
      for (const _ of range(20)) expectStatus(await client('GET', '/api/events'), 200, 'browsing')
      const spiked = slow(await ctx.metrics()) - before
      if (spiked < 4) throw new Error(`only ${spiked} slow requests were measured`)
      return `${spiked} requests over 750 ms recorded in http_server_request_duration_seconds, then back to normal`
    },
  }
}

function latencyAlertStep(ctx: DemoContext): DemoStep {
  return {
    title: 'the latency alert goes pending → firing → notified → resolved',
    needs: ['monitor.alerts'],
    async run() {
      const alerts = ctx.svc().alerts
      const { states, sent } = await awaitLatencyAlertResolved(ctx)
      const incident = alerts.incidents().find((i) => i.groupLabels.alertname === 'HighRequestLatency')
      const incidentStatus = incident?.status ?? 'none'
      const order = ['pending', 'firing', 'resolved'].map((state) => states.indexOf(state as never))
      if (order.some((i) => i < 0) || !(order[0]! < order[1]! && order[1]! < order[2]!)) {
        throw new Error(`HighRequestLatency went ${states.join(' → ') || 'nowhere'}`)
      }
      if (!sent('firing') || !sent('resolved')) throw new Error('the operators were not notified')
      const paged = await awaitOnCallPages(ctx)
      await acknowledgeLoginBurst(ctx)
      return `${states.join(' → ')}; operators notified of firing and resolved${paged}; incident ${incidentStatus}; LoginFailureBurst escalated to the on-call lead, then acknowledged on /ops`
    },
  }
}

/**
 * Keeps light, fast traffic going (a service always has some) while the 5 s rate window slides
 * past the spike, until HighRequestLatency is resolved and its resolution sent (30 s at most).
 */
async function awaitLatencyAlertResolved(ctx: DemoContext) {
  const alerts = ctx.svc().alerts
  const client = ctx.api()
  const seen = () => alerts.transitions.filter((t) => t.rule === 'HighRequestLatency').map((t) => t.to)
  const sent = (status: 'firing' | 'resolved') =>
    alerts.notifications.some(
      (n) => n.status === status && n.alerts.some((a) => a.labels.alertname === 'HighRequestLatency'),
    )
  let trickling = true
  const trickle = (async () => {
    while (trickling) {
      expectStatus(await client('GET', '/api/events'), 200, 'browsing')
      await sleep(200)
    }
  })()
  try {
    const deadline = Date.now() + 30_000
    while (!(seen().includes('resolved') && sent('resolved')) && Date.now() < deadline) {
      await sleep(200)
    }
  } finally {
    trickling = false
    await trickle
  }
  return { states: seen(), sent }
}

/** With notify wired: waits until the on-call got two e-mails and two SMS (firing, resolved); says so. */
async function awaitOnCallPages(ctx: DemoContext): Promise<string> {
  if (!ctx.svc().notify || !ctx.smtp) return ''
  const mails = () => ctx.smtp?.messages.filter((m) => m.to.includes(OPERATORS.email)) ?? []
  const texts = () => ctx.svc().notify?.providers.sms.sent.filter((m) => m.to === OPERATORS.phone) ?? []
  const until = Date.now() + 10_000
  while ((mails().length < 2 || texts().length < 2) && Date.now() < until) {
    await sleep(200)
  }
  if (mails().length < 2 || texts().length < 2) {
    throw new Error(`the on-call got ${mails().length} e-mails and ${texts().length} SMS, expected 2 each`)
  }
  return `; on-call paged by e-mail and SMS (${mails().length} + ${texts().length})`
}

/**
 * The operator acknowledges the login-failure incident through /ops (session cookie + CSRF),
 * after checking that, left unacknowledged past the escalation policy, it paged the on-call lead.
 */
async function acknowledgeLoginBurst(ctx: DemoContext): Promise<void> {
  const alerts = ctx.svc().alerts
  const login = await fetch(`${ctx.svc().url}/ops/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(ADMIN),
  })
  const cookie = (login.headers.get('set-cookie') ?? '').split(';')[0] ?? ''
  const { csrfToken } = (await login.json()) as { csrfToken: string }
  const burst = alerts.incidents().find((i) => i.groupLabels.alertname === 'LoginFailureBurst')
  if (!burst) throw new Error('the login failures raised no incident')
  const ack = await fetch(`${ctx.svc().url}/ops/api/incidents/${burst.id}/ack`, {
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
}

function detectorsStep(ctx: DemoContext): DemoStep {
  return {
    title: 'the anomaly detector flags the spike and the fraud scorer flags the bot',
    needs: ['ml.anomaly', 'ml.fraud'],
    async run() {
      const { anomalies, flagged } = ctx.svc().ml
      const inSpike = anomalies.filter(
        (a) => a.point.at >= ctx.spike.from && a.point.at <= ctx.spike.to + 1500,
      )
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
  }
}
