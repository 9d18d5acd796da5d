import { generateWebhookSecret, verifyWebhook } from '@opskit/core'
import { createFakeClock } from '@opskit/core/testing'
import { type HttpFake, startHttpFake } from '@opskit/test-support'
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import {
  type AlertmanagerWebhookPayload,
  type AlertNotification,
  createMonitor,
  createNotifierChannel,
  createPagerDutyChannel,
  createSlackChannel,
  createWebhookChannel,
  type Monitor,
  MonitorError,
  type NotifierLike,
  pagerDutyDedupKey,
} from '../src/index.js'
import { createMockChannel } from '../src/testing/index.js'

const notification: AlertNotification = {
  receiver: 'team',
  groupKey: '{}:[["alertname","HighLatency"]]',
  status: 'firing',
  reason: 'first notification',
  groupLabels: { alertname: 'HighLatency' },
  commonLabels: { alertname: 'HighLatency', severity: 'critical', job: 'api' },
  commonAnnotations: {},
  externalURL: 'http://monitor.test',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'HighLatency', severity: 'critical', job: 'api', route: '/a' },
      annotations: { summary: 'p95 is 2s on /a' },
      startsAt: '2026-01-01T00:00:00.000Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: 'aaaa',
    },
  ],
}

let fake: HttpFake
beforeEach(async () => {
  fake = await startHttpFake()
})
afterEach(async () => {
  await fake.stop()
})

describe('Slack incoming webhook', () => {
  it('posts text and blocks; "ok" is success', async () => {
    fake.route('POST', '/services/T0/B0/secret', () => ({ status: 200, body: 'ok' }))
    const slack = createSlackChannel({
      webhookUrl: `${fake.url}/services/T0/B0/secret`,
      allowPrivateNetworks: true,
    })
    expect(slack.sendResolved).toBe(false)
    await slack.send(notification, AbortSignal.timeout(5000))
    const body = fake.requests[0]?.json<{ text: string; blocks: Array<{ type: string }> }>()
    expect(body?.text).toContain('[FIRING:1] HighLatency')
    expect(body?.text).toContain('p95 is 2s on /a')
    expect(body?.blocks.map((b) => b.type)).toEqual(['header', 'section'])
  })

  it('invalid_payload (400) is permanent; 429 is retryable with Retry-After', async () => {
    fake.enqueue(
      'POST',
      '/hook',
      { status: 400, body: 'invalid_payload' },
      { status: 429, headers: { 'retry-after': '2' }, body: 'rate_limited' },
    )
    const slack = createSlackChannel({ webhookUrl: `${fake.url}/hook`, allowPrivateNetworks: true })
    const first = await slack.send(notification, AbortSignal.timeout(5000)).catch((e: unknown) => e)
    expect(first).toMatchObject({ code: 'MONITOR_CHANNEL_FAILED', retryable: false })
    const second = await slack.send(notification, AbortSignal.timeout(5000)).catch((e: unknown) => e)
    expect(second).toMatchObject({ retryable: true, details: { retryAfterMs: 2000 } })
  })

  it('429 with Retry-After as an HTTP-date waits until that date (RFC 9110 §10.2.3)', async () => {
    const at = new Date(Math.ceil(Date.now() / 1000) * 1000 + 90_000)
    fake.enqueue('POST', '/hook', {
      status: 429,
      headers: { 'retry-after': at.toUTCString() },
      body: 'slow down',
    })
    const slack = createSlackChannel({ webhookUrl: `${fake.url}/hook`, allowPrivateNetworks: true })
    const error = (await slack.send(notification, AbortSignal.timeout(5000)).catch((e: unknown) => e)) as {
      retryable: boolean
      details?: { retryAfterMs?: number }
    }
    expect(error.retryable).toBe(true)
    expect(error.details?.retryAfterMs).toBeGreaterThan(80_000)
    expect(error.details?.retryAfterMs).toBeLessThanOrEqual(91_000)
  })
})

describe('PagerDuty Events v2', () => {
  it('trigger, acknowledge and resolve share a stable dedup_key', async () => {
    fake.route('POST', '/v2/enqueue', (req) => ({
      status: 202,
      body: {
        status: 'success',
        message: 'Event processed',
        dedup_key: req.json<{ dedup_key: string }>().dedup_key,
      },
    }))
    const pd = createPagerDutyChannel({
      routingKey: 'R0UT1NGKEY0000000000000000000000',
      url: `${fake.url}/v2/enqueue`,
      allowPrivateNetworks: true,
    })
    await pd.send(notification, AbortSignal.timeout(5000))
    await pd.acknowledge?.(notification, 'ana')
    await pd.send(
      {
        ...notification,
        status: 'resolved',
        reason: 'all alerts resolved',
        alerts: [{ ...(notification.alerts[0] as AlertNotification['alerts'][0]), status: 'resolved' }],
      },
      AbortSignal.timeout(5000),
    )
    const events = fake.requests.map((r) => r.json<Record<string, unknown>>())
    expect(events.map((e) => e.event_action)).toEqual(['trigger', 'acknowledge', 'resolve'])
    const key = pagerDutyDedupKey(notification.groupKey)
    expect(key).toMatch(/^[0-9a-f]{64}$/)
    for (const e of events)
      expect(e).toMatchObject({ routing_key: 'R0UT1NGKEY0000000000000000000000', dedup_key: key })
    expect(events[0]?.payload).toMatchObject({
      summary: '[FIRING:1] HighLatency',
      severity: 'critical',
      source: 'opskit-monitor',
      component: 'api',
      class: 'HighLatency',
    })
  })

  it('400 is not retried; 5xx is', async () => {
    fake.enqueue(
      'POST',
      '/v2/enqueue',
      { status: 400, body: { status: 'invalid event', errors: ['x'] } },
      { status: 503, body: 'down' },
    )
    const pd = createPagerDutyChannel({
      routingKey: 'k',
      url: `${fake.url}/v2/enqueue`,
      allowPrivateNetworks: true,
    })
    expect(await pd.send(notification, AbortSignal.timeout(5000)).catch((e: unknown) => e)).toMatchObject({
      retryable: false,
    })
    expect(await pd.send(notification, AbortSignal.timeout(5000)).catch((e: unknown) => e)).toMatchObject({
      retryable: true,
    })
  })
})

describe('generic webhook', () => {
  it('sends the Alertmanager v4 payload with verifiable Standard Webhooks signatures and max_alerts', async () => {
    fake.route('POST', '/alerts', () => ({ status: 204 }))
    const secret = generateWebhookSecret()
    const hook = createWebhookChannel({
      url: `${fake.url}/alerts`,
      allowPrivateNetworks: true,
      secret,
      maxAlerts: 1,
    })
    const two = {
      ...notification,
      alerts: [
        ...notification.alerts,
        { ...(notification.alerts[0] as AlertNotification['alerts'][0]), fingerprint: 'bbbb' },
      ],
    }
    await hook.send(two, AbortSignal.timeout(5000))
    await hook.send(two, AbortSignal.timeout(5000))
    const req = fake.requests[0]
    if (!req) throw new Error('no request')
    const verified = verifyWebhook({
      payload: req.body,
      headers: req.headers as Record<string, string>,
      secrets: secret,
    })
    expect(verified.id).toMatch(/^msg_/)
    expect(fake.requests[1]?.headers['webhook-id']).toBe(req.headers['webhook-id'])
    const body = req.json<AlertmanagerWebhookPayload>()
    expect(body).toMatchObject({
      version: '4',
      groupKey: notification.groupKey,
      truncatedAlerts: 1,
      status: 'firing',
      receiver: 'team',
      notification_reason: 'first notification',
    })
    expect(body.alerts).toHaveLength(1)
    expect(() =>
      verifyWebhook({
        payload: Buffer.from(`${req.text()} `),
        headers: req.headers as Record<string, string>,
        secrets: secret,
      }),
    ).toThrow()
  })
})

describe('email and SMS through a notifier', () => {
  it('maps a notification onto notifier.send with a stable idempotency key and critical priority', async () => {
    const calls: Parameters<NotifierLike['send']>[0][] = []
    const notifier: NotifierLike = { send: async (input) => void calls.push(input) }
    const email = createNotifierChannel({ notifier, channel: 'email', to: { email: 'oncall@example.com' } })
    const sms = createNotifierChannel({ notifier, channel: 'sms', to: { phone: '+15555550100' } })
    const hostile = {
      ...notification,
      alerts: [
        {
          ...(notification.alerts[0] as AlertNotification['alerts'][0]),
          annotations: { summary: '<script>x</script>' },
        },
      ],
    }
    await email.send(hostile, AbortSignal.timeout(1000))
    await email.send(hostile, AbortSignal.timeout(1000))
    await sms.send(hostile, AbortSignal.timeout(1000))
    expect(calls[0]).toMatchObject({
      to: { email: 'oncall@example.com' },
      channels: ['email'],
      category: 'alert',
      priority: 'critical',
      content: { subject: '[FIRING:1] HighLatency' },
    })
    expect(calls[0]?.content.html).toContain('&lt;script&gt;')
    expect(calls[0]?.content.html).not.toContain('<script>')
    expect(calls[0]?.idempotencyKey).toBe(calls[1]?.idempotencyKey)
    // The same notification through another channel of the receiver is another message.
    expect(calls[2]?.idempotencyKey).not.toBe(calls[0]?.idempotencyKey)
    expect(calls[2]).toMatchObject({ channels: ['sms'], content: { text: '[FIRING:1] HighLatency' } })
    expect(() => createNotifierChannel({ notifier, channel: 'sms', to: {} })).toThrowError(MonitorError)
  })
})

describe('end to end: rule → route → PagerDuty, ack mirrored, escalation, retry on the next group interval', () => {
  let monitor: Monitor | undefined
  afterEach(async () => {
    await monitor?.close()
  })

  it('notifies once, mirrors the ack, stops escalation, and retries a failing Slack on the next interval', async () => {
    const clock = createFakeClock(Date.UTC(2026, 0, 1))
    fake.route('POST', '/v2/enqueue', () => ({ status: 202, body: { status: 'success' } }))
    fake.enqueue('POST', '/slack', { status: 500, body: 'oops' })
    fake.route('POST', '/slack', () => ({ status: 200, body: 'ok' }))
    fake.route('POST', '/manager', () => ({ status: 200, body: 'ok' }))
    monitor = await createMonitor({ serviceName: 'svc', clock, defaultMetrics: false, notifyRetries: 0 })
    const m = monitor
    m.alerts.receiver('oncall', [
      createPagerDutyChannel({
        routingKey: 'key',
        url: `${fake.url}/v2/enqueue`,
        allowPrivateNetworks: true,
      }),
      createSlackChannel({ webhookUrl: `${fake.url}/slack`, allowPrivateNetworks: true }),
    ])
    m.alerts.receiver(
      'manager',
      createSlackChannel({ webhookUrl: `${fake.url}/manager`, allowPrivateNetworks: true }),
    )
    m.alerts.route({ receiver: 'oncall', groupBy: ['alertname'], groupWait: '30s', groupInterval: '5m' })
    m.alerts.escalation({ levels: [{ after: '10m', receivers: ['manager'] }] })
    m.alerts.addRule({ name: 'QueueStuck', expr: 'queue_depth > 100', labels: { severity: 'critical' } })
    m.alerts.samples.set('queue_depth', { queue: 'mail' }, 500)
    const paths = () =>
      fake.requests.map(
        (r) => `${r.path}:${r.path === '/v2/enqueue' ? r.json<{ event_action: string }>().event_action : ''}`,
      )
    // evaluate every minute, as start(60_000) would
    const minutes = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await m.alerts.evaluate()
        await clock.advance(60_000)
      }
    }
    await m.alerts.evaluate()
    await clock.advance(30_000)
    await vi.waitFor(() => expect(paths()).toEqual(['/v2/enqueue:trigger', '/slack:']))
    const [incident] = await m.incidents.list()
    expect(incident).toMatchObject({ status: 'triggered', receiver: 'oncall' })
    // the failed Slack send is retried at the next group interval (5:30); PagerDuty is not re-sent
    await minutes(5)
    await vi.waitFor(() => expect(paths()).toEqual(['/v2/enqueue:trigger', '/slack:', '/slack:']))
    await m.alerts.acknowledge(incident?.id as string, 'ana')
    expect(paths().at(-1)).toBe('/v2/enqueue:acknowledge')
    await minutes(10)
    expect(fake.requests.some((r) => r.path === '/manager')).toBe(false)
    expect(paths().filter((p) => p.endsWith('trigger'))).toHaveLength(1)
    const after = await m.incidents.get(incident?.id as string)
    expect(after?.status).toBe('acknowledged')
    expect(after?.timeline.map((e) => e.type)).toEqual([
      'triggered',
      'notified',
      'notify_failed',
      'notified',
      'acknowledged',
      'notified',
    ])
    // condition clears → resolve sent to PagerDuty, incident auto-resolved with MTTA/MTTR
    m.alerts.samples.set('queue_depth', { queue: 'mail' }, 0)
    await minutes(6)
    await vi.waitFor(() => expect(paths().at(-1)).toBe('/v2/enqueue:resolve'))
    await vi.waitFor(async () =>
      expect((await m.incidents.get(incident?.id as string))?.status).toBe('resolved'),
    )
    const stats = await m.incidents.stats()
    expect(stats).toMatchObject({ count: 1, acknowledged: 1, resolved: 1 })
    expect(stats.mttaMs).toBe(5 * 60_000)
    const metrics = await m.registry.getSingleMetricAsString('opskit_monitor_notifications_total')
    expect(metrics).toContain('receiver="oncall",integration="slack",outcome="failed"} 1')
  })

  it('escalates an unacknowledged incident exactly once, also long after the window', async () => {
    const clock = createFakeClock(Date.UTC(2026, 0, 1))
    fake.route('POST', '/team', () => ({ status: 200, body: 'ok' }))
    monitor = await createMonitor({ serviceName: 'svc', clock, defaultMetrics: false, notifyRetries: 0 })
    const m = monitor
    const manager = createMockChannel({ type: 'slack', clock })
    m.alerts.receiver(
      'team',
      createSlackChannel({ webhookUrl: `${fake.url}/team`, allowPrivateNetworks: true }),
    )
    m.alerts.receiver('manager', manager)
    m.alerts.route({ receiver: 'team', groupWait: '30s', groupInterval: '5m', repeatInterval: '20m' })
    m.alerts.escalation({ levels: [{ after: '10m', receivers: ['manager'] }] })
    m.alerts.addRule({ name: 'Down', expr: 'up == 0' })
    m.alerts.samples.set('up', { job: 'api' }, 0)
    const minutes = async (n: number) => {
      for (let i = 0; i < n; i++) {
        await m.alerts.evaluate()
        await clock.advance(60_000)
      }
    }
    await minutes(12)
    await vi.waitFor(() => expect(manager.sent.length).toBeGreaterThan(0))
    // six escalation windows (and three repeat intervals of the team) later: still exactly one
    await minutes(60)
    await vi.waitFor(() =>
      expect(fake.requests.filter((r) => r.path === '/team').length).toBeGreaterThanOrEqual(3),
    )
    expect(manager.sent).toHaveLength(1)
    expect(manager.sent[0]?.notification).toMatchObject({ reason: 'escalation', escalationLevel: 1 })
    const incident = (await m.incidents.list())[0]
    expect(manager.sent[0]?.at).toBe((incident?.triggeredAt ?? 0) + 10 * 60_000)
    expect(incident?.escalationLevel).toBe(1)
    expect(incident?.timeline.filter((e) => e.type === 'escalated')).toHaveLength(1)
  })
})
