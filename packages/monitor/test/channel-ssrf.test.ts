import { type HttpFake, startHttpFake } from '@opskit/test-support'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import {
  type AlertChannel,
  type AlertNotification,
  createPagerDutyChannel,
  createSlackChannel,
  createWebhookChannel,
} from '../src/index.js'

// Attacks on the outbound alert channels (issue 16, item 7): a receiver that redirects to an
// internal address, a URL that spells loopback as a decimal integer, a receiver whose answer
// would be echoed into an error, and label values that would become Slack links or mentions.

const notification: AlertNotification = {
  receiver: 'team',
  groupKey: '{}:[["alertname","Down"]]',
  status: 'firing',
  reason: 'first notification',
  groupLabels: { alertname: 'Down' },
  commonLabels: { alertname: 'Down', severity: 'critical' },
  commonAnnotations: {},
  externalURL: '',
  alerts: [
    {
      status: 'firing',
      labels: { alertname: 'Down', severity: 'critical', route: '<!channel> <http://evil.test|click> & co' },
      annotations: {},
      startsAt: '2026-01-01T00:00:00.000Z',
      endsAt: '0001-01-01T00:00:00Z',
      generatorURL: '',
      fingerprint: 'aaaa',
    },
  ],
}

let receiver: HttpFake
let metadata: HttpFake
beforeEach(async () => {
  receiver = await startHttpFake()
  metadata = await startHttpFake()
  metadata.route('*', '/latest/meta-data/iam', () => ({ status: 200, body: 'ok' }))
})
afterEach(async () => {
  await receiver.stop()
  await metadata.stop()
})

/** The three HTTP channels aimed at `url`; the loopback fake stands in for a trusted receiver. */
function channels(url: string, trusted: boolean): Array<[string, AlertChannel]> {
  const allow = trusted ? { allowPrivateNetworks: true } : {}
  return [
    ['webhook', createWebhookChannel({ url, ...allow })],
    ['slack', createSlackChannel({ webhookUrl: url, ...allow })],
    ['pagerduty', createPagerDutyChannel({ routingKey: 'R0UT1NG', url, ...allow })],
  ]
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as { code?: string; retryable?: boolean; message: string },
  )

describe('alert channels refuse SSRF paths', () => {
  it('never follow a redirect, even from a trusted receiver', async () => {
    const target = `${metadata.url}/latest/meta-data/iam`
    receiver.route('POST', '/hook', () => ({ status: 302, headers: { location: target } }))
    for (const [name, channel] of channels(`${receiver.url}/hook`, true)) {
      const error = await failure(channel.send(notification, AbortSignal.timeout(5000)))
      expect(error, name).toMatchObject({ code: 'MONITOR_CHANNEL_FAILED', retryable: false })
    }
    expect(receiver.requests).toHaveLength(3)
    expect(metadata.requests).toHaveLength(0)
  })

  it('refuse loopback spelt as a decimal integer, a hostname that resolves to loopback, and link-local', async () => {
    receiver.route('POST', '/hook', () => ({ status: 202, body: 'ok' }))
    const port = receiver.port
    for (const url of [
      `http://2130706433:${port}/hook`,
      `http://0x7f.1:${port}/hook`,
      `http://localhost:${port}/hook`,
      `http://[::ffff:127.0.0.1]:${port}/hook`,
      'http://169.254.169.254/latest/meta-data/',
    ]) {
      for (const [name, channel] of channels(url, false)) {
        const error = await failure(channel.send(notification, AbortSignal.timeout(5000)))
        expect(error, `${name} ${url}`).toMatchObject({ code: 'MONITOR_CHANNEL_FAILED', retryable: false })
      }
    }
    expect(receiver.requests).toHaveLength(0)
  })

  it('never copy a response body into an error', async () => {
    const secret = 'AKIA-SECRET-READ-BACK-0123456789'
    receiver.route('POST', '/hook', () => ({ status: 400, body: `invalid_payload ${secret}` }))
    receiver.route('POST', '/down', () => ({ status: 503, body: `upstream ${secret}` }))
    receiver.route('POST', '/odd', () => ({ status: 200, body: `not ok ${secret}` }))
    for (const path of ['/hook', '/down', '/odd']) {
      for (const [name, channel] of channels(`${receiver.url}${path}`, true)) {
        const error = await failure(channel.send(notification, AbortSignal.timeout(5000)))
        if (name !== 'slack' && path === '/odd') continue // 200 is success for webhook and PagerDuty
        expect(error, `${name} ${path}`).toBeDefined()
        expect(JSON.stringify({ message: error?.message, error }), `${name} ${path}`).not.toContain(secret)
      }
    }
  })
})

describe('Slack text escaping', () => {
  it('label values cannot inject links or mentions', async () => {
    receiver.route('POST', '/slack', () => ({ status: 200, body: 'ok' }))
    const slack = createSlackChannel({ webhookUrl: `${receiver.url}/slack`, allowPrivateNetworks: true })
    await slack.send(notification, AbortSignal.timeout(5000))
    const body = receiver.requests[0]?.text() ?? ''
    const message = JSON.parse(body) as { text: string; blocks: Array<{ text: { text: string } }> }
    for (const text of [message.text, message.blocks[1]?.text.text ?? '']) {
      expect(text).not.toContain('<!channel>')
      expect(text).not.toContain('<http://evil.test|click>')
      expect(text).toContain('&lt;!channel&gt; &lt;http://evil.test|click&gt; &amp; co')
    }
  })
})
