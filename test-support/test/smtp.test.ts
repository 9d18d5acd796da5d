import { createConnection } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { type SmtpTestServer, startSmtpServer } from '../src/index.js'

const servers: SmtpTestServer[] = []
afterEach(async () => {
  for (const server of servers.splice(0)) await server.stop()
})

/** Speaks raw SMTP so the test checks the server without depending on a client library. */
async function converse(port: number, lines: string[]): Promise<string[]> {
  const socket = createConnection(port, '127.0.0.1')
  const replies: string[] = []
  let buffer = ''
  let waiting: (() => void) | undefined
  socket.on('data', (chunk) => {
    buffer += chunk.toString()
    const complete = buffer.split('\r\n')
    buffer = complete.pop() ?? ''
    for (const line of complete) if (/^\d{3} /.test(line)) replies.push(line)
    waiting?.()
  })
  const nextReply = (count: number) =>
    new Promise<void>((resolve) => {
      const check = () => {
        if (replies.length >= count) resolve()
        else waiting = check
      }
      check()
    })
  await nextReply(1)
  for (const line of lines) {
    socket.write(`${line}\r\n`)
    await nextReply(replies.length + 1)
  }
  socket.end()
  return replies
}

describe('startSmtpServer', () => {
  it('accepts and parses a message', async () => {
    const server = await startSmtpServer()
    servers.push(server)
    const replies = await converse(server.port, [
      'EHLO test',
      'MAIL FROM:<a@example.com>',
      'RCPT TO:<b@example.com>',
      'DATA',
      'Subject: Hello\r\nFrom: a@example.com\r\nTo: b@example.com\r\nContent-Type: text/plain\r\n\r\nBody text\r\n.',
      'QUIT',
    ])
    expect(replies.at(-2)).toMatch(/^250 /)
    const [mail] = await server.waitForMessages(1)
    expect(mail?.envelope).toEqual({ from: 'a@example.com', to: ['b@example.com'] })
    expect(mail?.parsed.subject).toBe('Hello')
    expect(mail?.parsed.text?.trim()).toBe('Body text')
    expect(server.connections).toBe(1)
  })

  it('answers scripted 4xx and 5xx replies at the stage asked for', async () => {
    const server = await startSmtpServer()
    servers.push(server)
    server.rejectNext({ code: 550, message: 'No such user', stage: 'rcpt' })
    const refused = await converse(server.port, [
      'EHLO test',
      'MAIL FROM:<a@example.com>',
      'RCPT TO:<x@example.com>',
      'QUIT',
    ])
    expect(refused[3]).toMatch(/^550 /)
    server.rejectNext({ code: 451, message: 'Try again later' })
    const deferred = await converse(server.port, [
      'EHLO test',
      'MAIL FROM:<a@example.com>',
      'RCPT TO:<b@example.com>',
      'DATA',
      'Subject: x\r\n\r\ny\r\n.',
      'QUIT',
    ])
    expect(deferred.at(-2)).toMatch(/^451 /)
    expect(server.messages).toHaveLength(0)
  })
})
