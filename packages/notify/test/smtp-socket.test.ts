// The SMTP provider's own connections: Nagle's algorithm off (each message on a pooled connection
// used to wait for the server's delayed acknowledgement, 40 ms on Linux), TLS still layered on
// them (STARTTLS and implicit TLS), and a refused connection reported as nodemailer reports it.
import { createServer } from 'node:net'
import { SMTPServer, type SMTPServerOptions } from 'smtp-server'
import { describe, expect, it } from 'vitest'
import { createSmtpProvider } from '../src/smtp/index.js'

async function startServer(options: Partial<SMTPServerOptions>) {
  const subjects: string[] = []
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['AUTH'],
    disableReverseLookup: true,
    logger: false,
    ...options,
    onData(stream, _session, callback) {
      let text = ''
      stream.on('data', (chunk: Buffer) => {
        text += chunk.toString()
      })
      stream.on('end', () => {
        subjects.push(/^Subject: (.*)$/m.exec(text)?.[1]?.trim() ?? '')
        callback()
      })
    },
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', () => resolve()))
  const port = (server.server.address() as { port: number }).port
  const stop = () => new Promise<void>((resolve) => server.close(() => resolve()))
  return { port, subjects, stop }
}

const mail = (i: number) => ({
  to: [`user${i}@example.com`],
  subject: `m${i}`,
  text: 'Thanks for your order.',
  idempotencyKey: `socket-${i}`,
})

describe('smtp provider connections', () => {
  it('sends message after message on one pooled connection without waiting for delayed ACKs', async () => {
    const server = await startServer({ disabledCommands: ['AUTH', 'STARTTLS'] })
    const provider = createSmtpProvider({
      host: '127.0.0.1',
      port: server.port,
      from: 'x@acme.test',
      maxConnections: 1,
    })
    await provider.send(mail(0)) // opens the connection
    const times: number[] = []
    for (let i = 1; i <= 24; i++) {
      const started = performance.now()
      await provider.send(mail(i))
      times.push(performance.now() - started)
    }
    await provider.close?.()
    await server.stop()
    expect(server.subjects).toHaveLength(25)
    // With Nagle's algorithm on, the message's closing `.` waits for the server to acknowledge
    // the body, which Linux delays 40 ms: every send took 44-57 ms (measured). Without it a send
    // on loopback takes a few ms; the fastest quarter stays far below 40 ms even on a loaded machine.
    const fastestQuarter = [...times].sort((a, b) => a - b)[Math.floor(times.length / 4)] as number
    expect(fastestQuarter).toBeLessThan(20)
  })

  it('upgrades its connections with STARTTLS and speaks implicit TLS', async () => {
    const starttls = await startServer({})
    const implicit = await startServer({ secure: true })
    const viaStarttls = createSmtpProvider({
      host: '127.0.0.1',
      port: starttls.port,
      from: 'x@acme.test',
      requireTLS: true,
      allowInsecureTls: true,
    })
    const viaImplicit = createSmtpProvider({
      host: '127.0.0.1',
      port: implicit.port,
      from: 'x@acme.test',
      secure: true,
      allowInsecureTls: true,
    })
    await Promise.all([1, 2, 3].map((i) => viaStarttls.send(mail(i))))
    await viaImplicit.send(mail(4))
    await viaStarttls.verify?.()
    await viaImplicit.verify?.()
    await viaStarttls.close?.()
    await viaImplicit.close?.()
    await starttls.stop()
    await implicit.stop()
    expect([...starttls.subjects].sort()).toEqual(['m1', 'm2', 'm3'])
    expect(implicit.subjects).toEqual(['m4'])

    // A server that does not offer STARTTLS is refused when TLS is required (a configuration
    // error, not worth retrying).
    const plain = await startServer({ disabledCommands: ['AUTH', 'STARTTLS'] })
    const strict = createSmtpProvider({
      host: '127.0.0.1',
      port: plain.port,
      from: 'x@acme.test',
      requireTLS: true,
    })
    await expect(strict.send(mail(5))).rejects.toMatchObject({
      code: 'NOTIFY_PROVIDER_PERMANENT',
    })
    await strict.close?.()
    await plain.stop()
    expect(plain.subjects).toEqual([])
  })

  it('reports a refused connection as a transient failure', async () => {
    // A port nothing listens on: bound, read, released.
    const probe = createServer()
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', () => resolve()))
    const port = (probe.address() as { port: number }).port
    await new Promise<void>((resolve) => probe.close(() => resolve()))
    const provider = createSmtpProvider({ host: '127.0.0.1', port, from: 'x@acme.test' })
    await expect(provider.send(mail(1))).rejects.toMatchObject({
      code: 'NOTIFY_PROVIDER_TRANSIENT',
      details: { providerCode: 'ESOCKET' },
    })
    await expect(provider.verify?.()).rejects.toMatchObject({ code: 'NOTIFY_PROVIDER_TRANSIENT' })
    await provider.close?.()
  })
})
