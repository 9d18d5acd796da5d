import type { SmsMessage } from '@opskit/notify'
import { startSmtpServer } from '@opskit/test-support'
import { expect, it } from 'vitest'
import { sendWelcome } from '../src/send-welcome.js'

it('sends a welcome by e-mail over real SMTP and by SMS, once', async () => {
  const smtp = await startSmtpServer()
  const texts: SmsMessage[] = []
  try {
    const { first, again } = await sendWelcome({
      smtp,
      email: 'ada@example.com',
      phone: '+15555550123',
      name: 'Ada <3',
      sms: {
        name: 'test-sms',
        channel: 'sms',
        async send(message) {
          texts.push(message)
          return {}
        },
      },
    })
    expect(first.deliveries.map((d) => `${d.channel}:${d.status}`).sort()).toEqual(['email:sent', 'sms:sent'])
    expect(again.duplicate).toBe(true)
    const [mail] = await smtp.waitForMessages(1)
    expect(mail?.parsed.subject).toBe('Welcome, Ada <3!')
    expect(mail?.parsed.html).toContain('Ada &lt;3')
    expect(mail?.parsed.text).toContain('Thanks for signing up.')
    expect(texts).toEqual([expect.objectContaining({ to: '+15555550123', body: 'Welcome to Acme, Ada <3!' })])
    expect(smtp.messages).toHaveLength(1)
  } finally {
    await smtp.stop()
  }
})
