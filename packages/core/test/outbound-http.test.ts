import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { afterEach, describe, expect, it } from 'vitest'
import { createOutboundHttpClient, type HostResolver, type OutboundHttpClient } from '../src/index.js'

interface Server {
  url: string
  port: number
  hits: string[]
  stop(): Promise<void>
}

const cleanups: Array<() => unknown> = []
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup()
})

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void): Promise<Server> {
  const hits: string[] = []
  const server = createServer((req, res) => {
    hits.push(`${req.method} ${req.url}`)
    handler(req, res)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const port = (server.address() as AddressInfo).port
  const stop = () =>
    new Promise<void>((resolve) => {
      server.closeAllConnections()
      server.close(() => resolve())
    })
  cleanups.push(stop)
  return { url: `http://127.0.0.1:${port}`, port, hits, stop }
}

function client(options: Parameters<typeof createOutboundHttpClient>[0] = {}): OutboundHttpClient {
  const c = createOutboundHttpClient(options)
  cleanups.push(() => c.close())
  return c
}

const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => undefined,
    (error: unknown) => error as { code: string; retryable: boolean; message: string; details?: unknown },
  )

const resolverTo =
  (...addresses: string[]): HostResolver =>
  async () =>
    addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }))

describe('createOutboundHttpClient: the SSRF guard', () => {
  it('refuses loopback however it is spelt, internal names and names that resolve to special addresses', async () => {
    const target = await serve((_req, res) => res.end('ok'))
    const guarded = client()
    for (const url of [
      `${target.url}/secret-token-path`,
      `http://2130706433:${target.port}/secret-token-path`,
      `http://0x7f.1:${target.port}/secret-token-path`,
      `http://127.1:${target.port}/secret-token-path`,
      `http://[::1]:${target.port}/secret-token-path`,
      `http://[::ffff:7f00:1]:${target.port}/secret-token-path`,
      `http://localhost:${target.port}/secret-token-path`,
      `http://metadata.google.internal:${target.port}/secret-token-path`,
      'ftp://example.com/secret-token-path',
    ]) {
      const error = await failure(guarded.request(url, { body: '{}' }))
      expect(error, url).toMatchObject({ code: 'CORE_OUTBOUND_REFUSED', retryable: false })
      expect(error?.message).not.toContain('secret-token-path')
    }
    for (const answer of [['10.0.0.7'], ['169.254.169.254'], ['8.8.8.8', '127.0.0.1'], ['64:ff9b:1::1']]) {
      const viaDns = client({ resolver: resolverTo(...answer) })
      const error = await failure(viaDns.request(`http://hooks.partner.example:${target.port}/x`))
      expect(error, answer.join()).toMatchObject({
        code: 'CORE_OUTBOUND_REFUSED',
        details: { address: answer.at(-1) },
      })
    }
    expect(target.hits).toEqual([])
  })

  it('connects to the address the resolver returned, once checked (allowPrivateNetworks lifts only the check)', async () => {
    const target = await serve((_req, res) => res.end('pinned'))
    let calls = 0
    const resolver: HostResolver = async () => {
      calls++
      return [{ address: '127.0.0.1', family: 4 }]
    }
    const trusted = client({ resolver, allowPrivateNetworks: true })
    // `.invalid` never resolves in real DNS: reaching the server proves the resolver's answer was used
    const response = await trusted.request(`http://hooks.opskit.invalid:${target.port}/a`)
    expect(response.text()).toBe('pinned')
    expect(calls).toBe(1)
  })

  it('never follows a redirect', async () => {
    const metadata = await serve((_req, res) => res.end('iam credentials'))
    const receiver = await serve((_req, res) => {
      res.writeHead(302, { location: `${metadata.url}/latest/meta-data/` })
      res.end()
    })
    const response = await client({ allowPrivateNetworks: true }).request(`${receiver.url}/hook`, {
      body: '{}',
    })
    expect(response.status).toBe(302)
    expect(metadata.hits).toEqual([])
  })

  it('reads at most maxResponseBytes of a body', async () => {
    const huge = await serve((_req, res) => {
      res.writeHead(200)
      const chunk = Buffer.alloc(64 * 1024, 'x')
      let sent = 0
      const pump = () => {
        while (sent < 64 && res.write(chunk)) sent++
        if (sent < 64) res.once('drain', pump)
        else res.end()
      }
      pump()
    })
    const response = await client({ allowPrivateNetworks: true, maxResponseBytes: 1000 }).request(huge.url)
    expect(response.body.length).toBe(1000)
    expect(response.truncated).toBe(true)
    const small = await client({ allowPrivateNetworks: true }).request(huge.url)
    expect(small.body.length).toBe(65_536)
  })

  it('times out (retryable), and a caller abort is CORE_ABORTED', async () => {
    const silent = await serve(() => undefined)
    const error = await failure(client({ allowPrivateNetworks: true, timeoutMs: 150 }).request(silent.url))
    expect(error).toMatchObject({ code: 'CORE_OUTBOUND_TIMEOUT', retryable: true })
    const controller = new AbortController()
    setTimeout(() => controller.abort(), 50)
    const aborted = await failure(
      client({ allowPrivateNetworks: true }).request(silent.url, { signal: controller.signal }),
    )
    expect(aborted).toMatchObject({ code: 'CORE_ABORTED' })
  })

  it('a refused connection is a retryable failure that names the host, not the path', async () => {
    const gone = await serve(() => undefined)
    await gone.stop()
    const error = await failure(client({ allowPrivateNetworks: true }).request(`${gone.url}/token-abc`))
    expect(error).toMatchObject({
      code: 'CORE_OUTBOUND_FAILED',
      retryable: true,
      details: { errno: 'ECONNREFUSED' },
    })
    expect(error?.message).not.toContain('token-abc')
  })
})
