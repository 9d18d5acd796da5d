import { createServer, type RequestListener, type Server } from 'node:http'
import type { AddressInfo } from 'node:net'

/** A server that listens before the service is wired, answering 503 until {@link EarlyServer.serve}. */
export interface EarlyServer {
  server: Server
  /** `http://host:port` of the bound address. */
  baseUrl: string
  /** Hands requests to `listener` from now on. */
  serve(listener: RequestListener): void
}

/**
 * Listens on `port` and `host` at once, answering `503` with `retry-after: 1` until `serve` is
 * called: the service needs its own address (alert links, download links) to wire itself.
 */
export async function listenEarly(port: number, host: string): Promise<EarlyServer> {
  let listener: RequestListener = (_req, res) => {
    res.writeHead(503, { 'retry-after': '1' }).end()
  }
  const server = createServer((req, res) => listener(req, res))
  server.keepAliveTimeout = 5_000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => resolve())
  })
  const address = server.address() as AddressInfo
  const bound = address.family === 'IPv6' ? `[${address.address}]` : address.address
  return {
    server,
    baseUrl: `http://${bound}:${address.port}`,
    serve(next) {
      listener = next
    },
  }
}
