// `npm start -w @opskit-examples/notify-basic`: starts a throwaway SMTP server on loopback,
// sends a welcome e-mail and SMS through @opskit/notify and prints what happened.
import type { AddressInfo } from 'node:net'
import type { SmsMessage } from '@opskit/notify'
import { SMTPServer } from 'smtp-server'
import { sendWelcome } from './send-welcome.js'

const received: string[] = []
const server = new SMTPServer({
  authOptional: true,
  disabledCommands: ['STARTTLS'],
  logger: false,
  onData(stream, session, callback) {
    stream.on('data', () => undefined)
    stream.on('end', () => {
      received.push(session.envelope.rcptTo.map((r) => r.address).join(', '))
      callback()
    })
  },
})
await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
const { port } = server.server.address() as AddressInfo
const texts: SmsMessage[] = []
const { first, again } = await sendWelcome({
  smtp: { host: '127.0.0.1', port },
  email: 'ada@example.com',
  phone: '+15555550123',
  name: 'Ada',
  sms: {
    name: 'console-sms',
    channel: 'sms',
    async send(message) {
      texts.push(message)
      return { providerMessageId: `local-${texts.length}` }
    },
  },
})
for (const d of first.deliveries)
  console.log(`${d.channel}: ${d.status} via ${d.provider} (${d.attempts} attempt)`)
console.log(`SMTP server received mail for: ${received.join('; ')}`)
console.log(`SMS: ${texts.map((t) => `${t.to} "${t.body}"`).join('; ')}`)
console.log(`sending again with the same idempotency key: duplicate=${again.duplicate}`)
server.close()
