import { createServer, type IncomingHttpHeaders, type IncomingMessage, type ServerResponse } from 'node:http'
import {
  createServer as createHttp2Server,
  type Http2ServerRequest,
  type Http2ServerResponse,
  type Http2Session,
} from 'node:http2'

/** A request the fake received, with its body read in full. */
export interface RecordedRequest {
  method: string
  /** Path without the query string. */
  path: string
  query: URLSearchParams
  headers: IncomingHttpHeaders
  body: Buffer
  /** The body as text. */
  text(): string
  /** The body parsed as JSON. */
  json<T = unknown>(): T
  /** The body parsed as `application/x-www-form-urlencoded`. */
  form(): URLSearchParams
  /** Path parameters captured by the route pattern (`:name` segments). */
  params: Record<string, string>
  /** For HTTP/2 fakes: an id of the session (connection) the request came on. */
  sessionId?: number
}

/** What a route handler answers. */
export interface FakeResponse {
  status?: number
  headers?: Record<string, string>
  /** An object is sent as JSON; a string or Buffer as is. */
  body?: unknown
  /** Wait this long before answering (to test timeouts). */
  delayMs?: number
}

/** Handles one request to a route. */
export type FakeHandler = (request: RecordedRequest) => FakeResponse | Promise<FakeResponse>

/** A running loopback HTTP fake; see {@link startHttpFake}. */
export interface HttpFake {
  /** Base URL, e.g. `http://127.0.0.1:41234`. */
  url: string
  port: number
  /** Every request received, in order. */
  readonly requests: RecordedRequest[]
  /** Adds a route; `path` may contain `:name` segments. Later routes win over earlier ones. */
  route(method: string, path: string, handler: FakeHandler): void
  /**
   * Answers the next requests to a route with these responses, in order, before its handler.
   * `path` is the route's pattern (`/x/:id`) or a concrete path an existing route matches
   * (`/x/42`); with neither, a route is added that answers 500 once the queue is spent.
   */
  enqueue(method: string, path: string, ...responses: FakeResponse[]): void
  /** Number of distinct HTTP/2 sessions seen (to check connection reuse). */
  readonly sessions: number
  stop(): Promise<void>
}

interface Route {
  method: string
  pattern: RegExp
  names: string[]
  handler: FakeHandler
  queue: FakeResponse[]
  key: string
}

function compilePath(path: string): { pattern: RegExp; names: string[] } {
  const names: string[] = []
  const source = path
    .split('/')
    .map((segment) => {
      if (segment.startsWith(':')) {
        names.push(segment.slice(1))
        return '([^/]+)'
      }
      return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')
    })
    .join('/')
  return { pattern: new RegExp(`^${source}$`), names }
}

/** A route matching the request, with the match (the latest route added wins). */
interface FoundRoute {
  route: Route
  match: RegExpExecArray
}

/** The latest-added route of `method` (or `*`) whose pattern matches `path`. */
function findRoute(routes: readonly Route[], method: string, path: string): FoundRoute | undefined {
  for (let i = routes.length - 1; i >= 0; i--) {
    const route = routes[i] as Route
    if (route.method !== method && route.method !== '*') continue
    const match = route.pattern.exec(path)
    if (match) return { route, match }
  }
  return undefined
}

/** The record of a request whose body was read, with the path parameters of the route it matched. */
function recordedRequest(
  method: string,
  url: URL,
  headers: IncomingHttpHeaders,
  body: Buffer,
  found: FoundRoute | undefined,
  sessionId: number | undefined,
): RecordedRequest {
  const params: Record<string, string> = {}
  if (found) {
    for (const [index, name] of found.route.names.entries()) {
      params[name] = decodeURIComponent(found.match[index + 1] ?? '')
    }
  }
  return {
    method,
    path: url.pathname,
    query: url.searchParams,
    headers,
    body,
    text: () => body.toString('utf8'),
    json: <T>() => JSON.parse(body.toString('utf8')) as T,
    form: () => new URLSearchParams(body.toString('utf8')),
    params,
    ...(sessionId === undefined ? {} : { sessionId }),
  }
}

/** Writes `response` after its delay (an object as JSON), unless the response was already sent. */
async function sendResponse(
  res: ServerResponse | Http2ServerResponse,
  response: FakeResponse,
): Promise<void> {
  if (response.delayMs) await new Promise((resolve) => setTimeout(resolve, response.delayMs))
  const isBuffer = Buffer.isBuffer(response.body)
  const isJson = response.body !== undefined && typeof response.body !== 'string' && !isBuffer
  const payload = isJson ? JSON.stringify(response.body) : (response.body as string | Buffer | undefined)
  const headers: Record<string, string> = {
    ...(isJson ? { 'content-type': 'application/json' } : {}),
    ...response.headers,
  }
  if (res.headersSent || res.writableEnded) return
  res.writeHead(response.status ?? 200, headers)
  if (payload === undefined) res.end()
  else (res as ServerResponse).end(payload)
}

/** Options for {@link startHttpFake}. */
export interface HttpFakeOptions {
  /** Serve cleartext HTTP/2 (h2c) instead of HTTP/1.1, as an APNs stand-in. @default false */
  http2?: boolean
}

/**
 * Starts a loopback HTTP/1.1 or HTTP/2 server whose routes tests define, recording every
 * request. Unmatched requests get 404 with a JSON error. Protocol-faithful fakes of Twilio,
 * SendGrid, APNs, FCM, Slack and PagerDuty are built on it.
 */
export async function startHttpFake(options: HttpFakeOptions = {}): Promise<HttpFake> {
  const requests: RecordedRequest[] = []
  const routes: Route[] = []
  const sessionIds = new WeakMap<Http2Session, number>()
  let sessions = 0

  const find = (method: string, path: string) => findRoute(routes, method, path)

  const handle = async (
    req: IncomingMessage | Http2ServerRequest,
    res: ServerResponse | Http2ServerResponse,
    sessionId?: number,
  ) => {
    const chunks: Buffer[] = []
    for await (const chunk of req) chunks.push(Buffer.from(chunk as Buffer))
    const body = Buffer.concat(chunks)
    const url = new URL(req.url ?? '/', 'http://fake')
    const method = req.method ?? 'GET'
    const found = find(method, url.pathname)
    const recorded = recordedRequest(method, url, req.headers as IncomingHttpHeaders, body, found, sessionId)
    requests.push(recorded)
    let response: FakeResponse
    try {
      if (!found) response = { status: 404, body: { error: `no fake route for ${method} ${url.pathname}` } }
      else response = found.route.queue.shift() ?? (await found.route.handler(recorded))
    } catch (error) {
      response = { status: 500, body: { error: (error as Error).message } }
    }
    await sendResponse(res, response)
  }

  let close: () => Promise<void>
  let port: number
  if (options.http2) {
    const server = createHttp2Server()
    server.on('session', (session) => sessionIds.set(session, ++sessions))
    server.on(
      'request',
      (req, res) => void handle(req, res, sessionIds.get(req.stream.session as Http2Session)),
    )
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as { port: number }).port
    const open = new Set<Http2Session>()
    server.on('session', (session) => {
      open.add(session)
      session.on('close', () => open.delete(session))
    })
    close = () =>
      new Promise((resolve) => {
        for (const session of open) session.destroy()
        server.close(() => resolve())
      })
  } else {
    const server = createServer((req, res) => void handle(req, res))
    server.keepAliveTimeout = 1000
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
    port = (server.address() as { port: number }).port
    close = () =>
      new Promise((resolve) => {
        server.closeAllConnections()
        server.close(() => resolve())
      })
  }

  const add = (method: string, path: string, handler: FakeHandler): Route => {
    const key = `${method.toUpperCase()} ${path}`
    const existing = routes.find((route) => route.key === key)
    if (existing) {
      existing.handler = handler
      return existing
    }
    const { pattern, names } = compilePath(path)
    const route = { method: method.toUpperCase(), pattern, names, handler, queue: [], key }
    routes.push(route)
    return route
  }

  return {
    url: `http://127.0.0.1:${port}`,
    port,
    requests,
    get sessions() {
      return sessions
    },
    route: (method, path, handler) => void add(method, path, handler),
    enqueue: (method, path, ...responses) => {
      const key = `${method.toUpperCase()} ${path}`
      const route =
        routes.find((candidate) => candidate.key === key) ??
        find(method.toUpperCase(), path)?.route ??
        add(method, path, () => ({ status: 500, body: { error: 'no handler after the queued responses' } }))
      route.queue.push(...responses)
    },
    stop: () => close(),
  }
}
