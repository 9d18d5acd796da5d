import type { IncomingMessage, ServerResponse } from 'node:http'
import { performance } from 'node:perf_hooks'
import type { Histogram } from 'prom-client'
import type { CardinalityGuard } from './cardinality-guard.js'
import { counterOn, gaugeOn, histogramOn, isOpenMetrics, type MetricsRegistry } from './register.js'
import { createRouteMatcher, UNMATCHED_ROUTE } from './route-matcher.js'
import {
  keepsExemplars,
  observeWithTrace,
  sampledSpanExemplar,
  type TraceExemplar,
} from './trace-exemplar.js'

/** Histogram buckets advised by the OpenTelemetry HTTP semantic conventions, in seconds. */
export const HTTP_DURATION_BUCKETS = [
  0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10,
]

const KNOWN_METHODS = new Set([
  'GET',
  'HEAD',
  'POST',
  'PUT',
  'DELETE',
  'CONNECT',
  'OPTIONS',
  'TRACE',
  'PATCH',
])

/** A node:http request listener. */
export type RequestListener = (req: IncomingMessage, res: ServerResponse) => void | Promise<void>

/** An Express/Connect middleware. */
export type ConnectMiddleware = (
  req: IncomingMessage,
  res: ServerResponse,
  next: (error?: unknown) => void,
) => void

/** Options of {@link HttpInstrumentation.wrap} and {@link HttpInstrumentation.middleware}. */
export interface HttpInstrumentOptions {
  /** Route templates (`/users/:id`, `/files/*`) used to label raw node:http requests. */
  routes?: readonly string[]
  /** Resolves the route template of a request; wins over `routes`. */
  route?: (req: IncomingMessage) => string | undefined
  /** Paths that are not measured. @default ['/metrics', '/healthz', '/readyz', '/startupz'] */
  ignorePaths?: readonly string[]
}

/** The structural part of a Fastify instance the plugin uses. */
export interface FastifyLike {
  addHook(
    name: 'onRequest',
    hook: (request: FastifyRequestLike, reply: unknown, done: () => void) => void,
  ): unknown
  addHook(
    name: 'onResponse',
    hook: (request: FastifyRequestLike, reply: FastifyReplyLike, done: () => void) => void,
  ): unknown
}

/** The structural part of a Fastify request the plugin uses. */
export interface FastifyRequestLike {
  method: string
  url: string
  raw: IncomingMessage
  routeOptions?: { url?: string }
  routerPath?: string
}

/** The structural part of a Fastify reply the plugin uses. */
export interface FastifyReplyLike {
  statusCode: number
}

/** A Fastify plugin function, marked to skip encapsulation so its hooks see every route. */
export type FastifyPluginLike = ((instance: FastifyLike, options: unknown, done: () => void) => void) & {
  [key: symbol]: unknown
}

/** RED metrics for HTTP servers: `monitor.http`. */
export interface HttpInstrumentation {
  /** Wraps a node:http request listener. */
  wrap(handler: RequestListener, options?: HttpInstrumentOptions): RequestListener
  /** An Express/Connect middleware; the route comes from `req.route.path` (with `req.baseUrl`). */
  middleware(options?: HttpInstrumentOptions): ConnectMiddleware
  /** A Fastify plugin (`app.register(monitor.http.fastifyPlugin)`); the route is `routeOptions.url`. */
  readonly fastifyPlugin: FastifyPluginLike
  /** Sets the route template of a request explicitly (for routers the middleware cannot see). */
  setRoute(req: IncomingMessage, template: string): void
}

interface Series {
  labels: Record<'method' | 'route' | 'status_class', string>
  duration: ReturnType<Histogram<string>['labels']>
  /** Completed requests not yet handed to the counter. */
  pending: number
}

const routeOverride = Symbol('opskit.monitor.route')
type WithRoute = IncomingMessage & { [routeOverride]?: string }

function statusClass(code: number): string {
  if (code >= 100 && code < 600) return `${Math.floor(code / 100)}xx`
  return 'unknown'
}

function pathOf(url: string | undefined): string {
  if (!url) return '/'
  const q = url.indexOf('?')
  return q === -1 ? url : url.slice(0, q)
}

/** The route of a request: the host's `route`, then `fallback`, then the `routes` templates. */
function resolver(
  options: HttpInstrumentOptions,
  fallback?: (req: IncomingMessage) => string | undefined,
): (req: IncomingMessage) => string | undefined {
  const match = options.routes ? createRouteMatcher(options.routes) : undefined
  return (req: IncomingMessage): string | undefined =>
    options.route?.(req) ?? fallback?.(req) ?? (match ? match(pathOf(req.url)) : undefined)
}

/** The paths not measured. */
function ignoreSet(options: HttpInstrumentOptions): Set<string> {
  return new Set(options.ignorePaths ?? ['/metrics', '/healthz', '/readyz', '/startupz'])
}

/** The route template Express matched (its mount path included), if any. */
function expressRoute(req: IncomingMessage): string | undefined {
  const r = req as IncomingMessage & { route?: { path?: unknown }; baseUrl?: string }
  return typeof r.route?.path === 'string' ? `${r.baseUrl ?? ''}${r.route.path}` : undefined
}

/**
 * Records the Express route when the response head is written: Express restores req.baseUrl
 * when a request leaves a mounted router, so it is read while the handler's router is still current.
 */
function captureExpressRoute(req: IncomingMessage, res: ServerResponse): void {
  const writeHead = res.writeHead
  res.writeHead = function (this: ServerResponse, ...args: Parameters<ServerResponse['writeHead']>) {
    const route = expressRoute(req)
    if (route !== undefined && (req as WithRoute)[routeOverride] === undefined)
      (req as WithRoute)[routeOverride] = route
    return writeHead.apply(this, args)
  } as ServerResponse['writeHead']
}

const perRegistry = new WeakMap<MetricsRegistry, HttpInstrumentation>()

/**
 * Builds the RED instrumentation on `registry`, guarded by `guard`. Monitors sharing a registry
 * share one instrumentation (its metrics exist once per registry).
 */
export function createHttpInstrumentation(
  registry: MetricsRegistry,
  guard: CardinalityGuard,
): HttpInstrumentation {
  const existing = perRegistry.get(registry)
  if (existing) return existing
  const created = buildHttpInstrumentation(registry, guard)
  perRegistry.set(registry, created)
  return created
}

function buildHttpInstrumentation(registry: MetricsRegistry, guard: CardinalityGuard): HttpInstrumentation {
  // Exemplars exist only in the OpenMetrics exposition, so only an OpenMetrics registry gets them.
  const duration = histogramOn(
    registry,
    'http_server_request_duration_seconds',
    'Duration of HTTP server requests, by method, route template and status class.',
    ['method', 'route', 'status_class'],
    HTTP_DURATION_BUCKETS,
    { enableExemplars: isOpenMetrics(registry) },
  )
  // Read back: a histogram registered earlier on this registry keeps its own setting.
  const exemplars = keepsExemplars(duration)
  const series = new Map<string, Series>()
  const overflow = new Map<string, Series>()
  const inFlightCounts = new Map<string, { value: number }>()
  registerRedCollectors(registry, [series, overflow], inFlightCounts)

  const seriesFor = (method: string, route: string, status: string): Series => {
    const key = `${method}\u0000${route}\u0000${status}`
    const found = series.get(key)
    if (found) return found
    const labels = guard.admit('http_server_request_duration_seconds', key, {
      method,
      route,
      status_class: status,
    })
    if (labels.route !== route) {
      const overflowKey = `${labels.method}\u0000${labels.route}\u0000${labels.status_class}`
      let o = overflow.get(overflowKey)
      if (!o) {
        o = { labels, duration: duration.labels(labels), pending: 0 }
        overflow.set(overflowKey, o)
      }
      return o
    }
    const created: Series = { labels, duration: duration.labels(labels), pending: 0 }
    series.set(key, created)
    return created
  }

  /** Records a completed request; with `exemplar`, the bucket it lands in links to its trace. */
  const observe = (s: Series, seconds: number, exemplar: TraceExemplar | undefined) => {
    if (exemplar) observeWithTrace(duration, s.labels, seconds, exemplar)
    else s.duration.observe(seconds)
    s.pending++
  }

  const inFlightFor = (method: string) => {
    let count = inFlightCounts.get(method)
    if (!count) {
      count = { value: 0 }
      inFlightCounts.set(method, count)
    }
    return count
  }

  const measure = (
    req: IncomingMessage,
    res: ServerResponse,
    ignore: ReadonlySet<string>,
    resolveRoute: (req: IncomingMessage) => string | undefined,
  ): void => {
    const path = pathOf(req.url)
    if (ignore.has(path)) return
    const method = req.method && KNOWN_METHODS.has(req.method) ? req.method : '_OTHER'
    const gauge = inFlightFor(method)
    gauge.value++
    const start = performance.now()
    const exemplar = exemplars ? sampledSpanExemplar() : undefined
    res.once('close', () => {
      gauge.value--
      const route = (req as WithRoute)[routeOverride] ?? resolveRoute(req) ?? UNMATCHED_ROUTE
      observe(
        seriesFor(method, route, statusClass(res.statusCode)),
        (performance.now() - start) / 1000,
        exemplar,
      )
    })
  }

  const fastifyPlugin = createFastifyPlugin({
    ignore: ignoreSet({}),
    inFlightFor,
    seriesFor,
    observe,
    exemplars,
  })

  return {
    wrap(handler, options = {}) {
      const ignore = ignoreSet(options)
      const resolve = resolver(options)
      return (req, res) => {
        measure(req, res, ignore, resolve)
        return handler(req, res)
      }
    },
    middleware(options = {}) {
      const ignore = ignoreSet(options)
      const resolve = resolver(options, expressRoute)
      return (req, res, next) => {
        measure(req, res, ignore, resolve)
        captureExpressRoute(req, res)
        next()
      }
    },
    fastifyPlugin,
    setRoute(req, template) {
      ;(req as WithRoute)[routeOverride] = template
    },
  }
}

/**
 * The request counter and the in-flight gauge: kept as plain numbers on the hot path and handed
 * to prom-client when the registry is collected (a scrape or a rule evaluation), since
 * prom-client hashes the label set on every inc()/dec().
 */
function registerRedCollectors(
  registry: MetricsRegistry,
  seriesMaps: ReadonlyArray<Map<string, Series>>,
  inFlightCounts: Map<string, { value: number }>,
): void {
  counterOn(
    registry,
    'http_server_requests_total',
    'HTTP server requests completed.',
    ['method', 'route', 'status_class'],
    function collect() {
      for (const map of seriesMaps) {
        for (const s of map.values()) {
          if (s.pending > 0) {
            this.inc(s.labels, s.pending)
            s.pending = 0
          }
        }
      }
    },
  )
  gaugeOn(
    registry,
    'http_server_requests_in_flight',
    'HTTP server requests being served, by method.',
    ['method'],
    function collect() {
      for (const [method, count] of inFlightCounts) this.set({ method }, count.value)
    },
  )
}

/** What the Fastify plugin shares with the other integrations: the series and in-flight counts. */
interface FastifyPluginContext {
  ignore: ReadonlySet<string>
  inFlightFor(method: string): { value: number }
  seriesFor(method: string, route: string, status: string): Series
  observe(s: Series, seconds: number, exemplar: TraceExemplar | undefined): void
  exemplars: boolean
}

/** The Fastify plugin: `onRequest` starts the clock, `onResponse` records with the route template. */
function createFastifyPlugin(ctx: FastifyPluginContext): FastifyPluginLike {
  const { ignore, inFlightFor, seriesFor, observe, exemplars } = ctx
  const fastifyStarts = new WeakMap<IncomingMessage, { start: number; exemplar: TraceExemplar | undefined }>()
  const fastifyPlugin = ((instance: FastifyLike, _options: unknown, done: () => void) => {
    instance.addHook('onRequest', (request, _reply, next) => {
      if (!ignore.has(pathOf(request.url))) {
        inFlightFor(KNOWN_METHODS.has(request.method) ? request.method : '_OTHER').value++
        fastifyStarts.set(request.raw, {
          start: performance.now(),
          exemplar: exemplars ? sampledSpanExemplar() : undefined,
        })
      }
      next()
    })
    instance.addHook('onResponse', (request, reply, next) => {
      const started = fastifyStarts.get(request.raw)
      if (started !== undefined) {
        const method = KNOWN_METHODS.has(request.method) ? request.method : '_OTHER'
        inFlightFor(method).value--
        const route = request.routeOptions?.url ?? request.routerPath ?? UNMATCHED_ROUTE
        const s = seriesFor(method, route, statusClass(reply.statusCode))
        observe(s, (performance.now() - started.start) / 1000, started.exemplar)
      }
      next()
    })
    done()
  }) as FastifyPluginLike
  fastifyPlugin[Symbol.for('skip-override')] = true
  fastifyPlugin[Symbol.for('fastify.display-name')] = '@opskit/monitor'
  return fastifyPlugin
}
