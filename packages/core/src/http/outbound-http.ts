import type { IncomingHttpHeaders, IncomingMessage } from 'node:http'
import type { LookupFunction } from 'node:net'
import { CoreError } from '../errors/opskit-error.js'
import {
  BlockedAddressError,
  guardedLookup,
  type HostResolver,
  refusedHostLiteral,
  systemResolver,
} from './guarded-lookup.js'

/** Options of {@link createOutboundHttpClient}. */
export interface OutboundHttpOptions {
  /**
   * Let requests reach loopback, private, link-local and other special-purpose addresses (the
   * SSRF guard off). Only for receivers the host itself runs or trusts, and for loopback fakes
   * in tests. The resolver, the connection pinning and the other limits still apply.
   * @default false
   */
  allowPrivateNetworks?: boolean | undefined
  /**
   * Resolves a hostname to all its addresses; the connection goes to the addresses it returns,
   * after the guard checked every one of them.
   * @default the system resolver (`dns.lookup(host, { all: true })`)
   */
  resolver?: HostResolver | undefined
  /** Whole-request timeout (connect, send, answer, body). @default 15000 */
  timeoutMs?: number | undefined
  /** Bytes of a response body kept; the rest is discarded and the response marked `truncated`. @default 65536 */
  maxResponseBytes?: number | undefined
}

/** One request of an {@link OutboundHttpClient}. */
export interface OutboundRequest {
  /** @default 'POST' when a body is given, else 'GET' */
  method?: string | undefined
  headers?: Record<string, string> | undefined
  body?: string | Uint8Array | undefined
  /** Aborts the request (on top of the client's timeout). */
  signal?: AbortSignal | undefined
}

/** The answer to an {@link OutboundRequest}. A 3xx is returned as it is: redirects are never followed. */
export interface OutboundResponse {
  status: number
  headers: IncomingHttpHeaders
  /** At most `maxResponseBytes` of the body. */
  body: Buffer
  /** Whether the body was longer than `maxResponseBytes`. */
  truncated: boolean
  /** The kept body as UTF-8 text. */
  text(): string
}

/** An HTTP client for requests to URLs that configuration or users supply; see {@link createOutboundHttpClient}. */
export interface OutboundHttpClient {
  request(url: string | URL, init?: OutboundRequest): Promise<OutboundResponse>
  /** Closes the kept-alive connections. */
  close(): void
}

const DEFAULT_MAX_RESPONSE_BYTES = 65_536

/** Reads at most `max` bytes of a response, then stops reading (the socket is destroyed). */
function readCapped(response: IncomingMessage, max: number): Promise<{ body: Buffer; truncated: boolean }> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    let size = 0
    let truncated = false
    response.on('data', (chunk: Buffer) => {
      if (truncated) return
      const room = max - size
      if (chunk.length > room) {
        chunks.push(chunk.subarray(0, room))
        size = max
        truncated = true
        response.destroy()
        resolve({ body: Buffer.concat(chunks), truncated })
        return
      }
      chunks.push(chunk)
      size += chunk.length
    })
    response.on('end', () => resolve({ body: Buffer.concat(chunks), truncated }))
    response.on('error', (error) => (truncated ? undefined : reject(error)))
    response.on('aborted', () => (truncated ? undefined : reject(new Error('response aborted'))))
  })
}

/** `node:http` and `node:https` with the client's keep-alive agents. */
interface Transport {
  http: typeof import('node:http')
  https: typeof import('node:https')
  agents: { http: import('node:http').Agent; https: import('node:https').Agent }
}

/**
 * Loads `node:http` and `node:https` (and with them `tls`) at a client's first request, so that
 * a host that never sends one (a report or audit run) does not load them by importing core.
 */
async function loadTransport(lookup: LookupFunction): Promise<Transport> {
  const [{ default: http }, { default: https }] = await Promise.all([
    import('node:http'),
    import('node:https'),
  ])
  return {
    http,
    https,
    agents: {
      http: new http.Agent({ keepAlive: true, lookup }),
      https: new https.Agent({ keepAlive: true, lookup }),
    },
  }
}

function refused(host: string, reason: string, address?: string): CoreError {
  return new CoreError('CORE_OUTBOUND_REFUSED', `refusing to connect to ${host}: ${reason}`, {
    details: { host, reason, ...(address ? { address } : {}) },
  })
}

/**
 * A client for outbound HTTP(S) to URLs that configuration or users supply (webhooks, Slack,
 * PagerDuty, e-mail APIs), closed against SSRF:
 * - only `http:` and `https:`; an IP literal in any IANA special-purpose block, `localhost`,
 *   `*.localhost` and `*.internal` are refused before anything is sent (WHATWG parsing has
 *   already turned `2130706433` or `0x7f.1` into `127.0.0.1`);
 * - a hostname is resolved once, EVERY address is checked, and the socket connects to the
 *   checked addresses (no second resolution, so DNS rebinding cannot slip in);
 * - redirects are never followed (a 3xx is returned to the caller as it is);
 * - the whole request has a timeout and at most `maxResponseBytes` of a body are read;
 * - errors name the host and the refused address, never the URL path (it may hold a token) nor
 *   anything the server answered.
 * Errors are `CoreError`s: `CORE_OUTBOUND_REFUSED` (not retryable), `CORE_OUTBOUND_TIMEOUT` and
 * `CORE_OUTBOUND_FAILED` (retryable), `CORE_ABORTED` when the caller's signal aborted.
 *
 * @example
 * ```ts
 * const client = createOutboundHttpClient({ timeoutMs: 10_000 })
 * const res = await client.request(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body })
 * if (res.status < 200 || res.status >= 300) throw new Error(`receiver answered ${res.status}`)
 * ```
 */
export function createOutboundHttpClient(options: OutboundHttpOptions = {}): OutboundHttpClient {
  const guard = options.allowPrivateNetworks !== true
  const timeoutMs = options.timeoutMs ?? 15_000
  const maxBytes = options.maxResponseBytes ?? DEFAULT_MAX_RESPONSE_BYTES
  const lookup = guardedLookup(options.resolver ?? systemResolver, guard)
  let transport: Transport | undefined
  let loading: Promise<Transport> | undefined
  const loaded = (): Promise<Transport> => {
    loading ??= loadTransport(lookup).then((value) => {
      transport = value
      return value
    })
    return loading
  }

  const send = ({ http, https, agents }: Transport, url: URL, init: OutboundRequest, signal: AbortSignal) =>
    new Promise<OutboundResponse>((resolve, reject) => {
      const secure = url.protocol === 'https:'
      const body = init.body === undefined ? undefined : Buffer.from(init.body)
      const request = (secure ? https : http).request(
        url,
        {
          method: init.method ?? (body ? 'POST' : 'GET'),
          agent: secure ? agents.https : agents.http,
          lookup,
          signal,
          headers: { ...init.headers, ...(body ? { 'content-length': String(body.length) } : {}) },
        },
        (response) => {
          readCapped(response, maxBytes).then(({ body: kept, truncated }) => {
            resolve({
              status: response.statusCode ?? 0,
              headers: response.headers,
              body: kept,
              truncated,
              text: () => kept.toString('utf8'),
            })
          }, reject)
        },
      )
      request.on('error', reject)
      request.end(body)
    })

  return {
    async request(target, init = {}) {
      const url = new URL(target)
      if (url.protocol !== 'http:' && url.protocol !== 'https:')
        throw refused(url.hostname, `unsupported scheme ${url.protocol}`)
      const literal = guard ? refusedHostLiteral(url.hostname) : undefined
      if (literal) throw refused(url.hostname, literal)
      const modules = await loaded()
      const timeout = AbortSignal.timeout(timeoutMs)
      const signal = init.signal ? AbortSignal.any([timeout, init.signal]) : timeout
      try {
        return await send(modules, url, init, signal)
      } catch (error) {
        if (error instanceof BlockedAddressError) throw refused(url.hostname, error.range, error.address)
        if (init.signal?.aborted)
          throw new CoreError('CORE_ABORTED', `request to ${url.hostname} aborted`, { cause: error })
        if (timeout.aborted)
          throw new CoreError(
            'CORE_OUTBOUND_TIMEOUT',
            `${url.hostname} did not answer within ${timeoutMs} ms`,
            {
              retryable: true,
              details: { host: url.hostname, timeoutMs },
            },
          )
        const code = (error as NodeJS.ErrnoException).code
        throw new CoreError(
          'CORE_OUTBOUND_FAILED',
          `request to ${url.hostname} failed${code ? ` (${code})` : ''}`,
          {
            retryable: true,
            cause: error,
            details: { host: url.hostname, ...(code ? { errno: code } : {}) },
          },
        )
      }
    },
    close() {
      transport?.agents.http.destroy()
      transport?.agents.https.destroy()
    },
  }
}
