import { type SmtpTestServer, startSmtpServer } from '@opskit/test-support'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { ADMIN, startTestService, type TestService } from './helpers.js'

describe('notifications through @opskit/notify', () => {
  let smtp: SmtpTestServer
  let t: TestService

  beforeAll(async () => {
    smtp = await startSmtpServer()
    t = await startTestService({
      smtp: { host: smtp.host, port: smtp.port, from: 'Tickets <tickets@example.test>' },
      operators: { email: 'oncall@example.test', phone: '+15555550100' },
      alertEvaluationMs: 200,
    })
  })
  afterAll(async () => {
    await t?.stop()
    await smtp?.stop()
  })

  const waitFor = async (check: () => boolean, what: string) => {
    for (let i = 0; i < 100 && !check(); i++) await new Promise((resolve) => setTimeout(resolve, 100))
    if (!check()) throw new Error(`timed out waiting for ${what}`)
  }

  it('mails a welcome, confirms a purchase by e-mail and push, and a refund by e-mail and SMS', async () => {
    const user = await t.call('POST', '/api/users', {
      email: 'fay@example.test',
      password: 'fays-password',
      name: 'Fay <script>',
      phone: '+15555550123',
    })
    expect(user.status).toBe(201)
    const welcome = await smtp.waitForMessages(1)
    expect(welcome[0]?.envelope.to).toEqual(['fay@example.test'])
    expect(welcome[0]?.parsed.subject).toBe('Welcome to Opskit Tickets, Fay <script>')
    expect(welcome[0]?.parsed.html).toContain('Fay &lt;script&gt;')

    const token = await t.login('fay@example.test', 'fays-password')
    const device = await t.call(
      'POST',
      '/api/devices',
      { token: 'fcm-token-abcdefgh', platform: 'android' },
      token,
    )
    expect(device.status).toBe(201)
    const adminToken = await t.login(ADMIN.email, ADMIN.password)
    const event = await t.call(
      'POST',
      '/api/events',
      { name: 'Opera', venue: 'Hall', startsAt: '2027-03-01T19:00:00Z', capacity: 10, priceCents: 2500 },
      adminToken,
    )
    const order = await t.call('POST', '/api/orders', { eventId: event.json.id, quantity: 2 }, token)
    expect(order.status).toBe(201)
    await smtp.waitForMessages(2)
    expect(smtp.messages[1]?.parsed.subject).toBe('Your 2 ticket(s) for Opera')
    const push = t.service.notify!.providers.push
    await waitFor(() => push.sent.length === 1, 'the push')
    expect(push.sent[0]).toMatchObject({ tokens: ['fcm-token-abcdefgh'], title: 'Tickets confirmed' })

    await t.call('POST', `/api/orders/${order.json.orderId}/refund`, { reason: 'ill' }, token)
    await smtp.waitForMessages(3)
    expect(smtp.messages[2]?.parsed.subject).toBe('Refund of €50.00 issued')
    const sms = t.service.notify!.providers.sms
    await waitFor(() => sms.sent.length === 1, 'the SMS')
    expect(sms.sent[0]).toMatchObject({ to: '+15555550123' })
    expect(sms.sent[0]?.body).toContain('refund of €50.00')
    await waitFor(() => t.service.notify!.counts.email?.sent === 3, 'the delivery counts')
  })

  it('pages the on-call by e-mail and SMS when an alert fires', async () => {
    for (let i = 0; i < 8; i++)
      await t.call('POST', '/api/sessions', { email: 'x@example.test', password: 'y' })
    const sms = t.service.notify!.providers.sms
    await waitFor(() => sms.sent.some((m) => m.to === '+15555550100'), 'the alert SMS')
    expect(sms.sent.find((m) => m.to === '+15555550100')?.body).toContain('LoginFailureBurst')
    await waitFor(
      () => smtp.messages.some((m) => m.envelope.to.includes('oncall@example.test')),
      'the alert e-mail',
    )
    const mail = smtp.messages.find((m) => m.envelope.to.includes('oncall@example.test'))
    expect(mail?.parsed.subject).toContain('FIRING')
  })
})
