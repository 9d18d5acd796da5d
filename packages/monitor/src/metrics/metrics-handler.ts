import type { IncomingMessage, ServerResponse } from 'node:http'
import { parseInput } from '@opskit/core'
import { z } from 'zod'
import { MonitorError } from '../errors/monitor-error.js'
import { createBasicAuth } from './basic-auth.js'
import { type AddressSet, clientAddress, createAddressSet } from './ip-allowlist.js'
import type { MetricsRegistry } from './register.js'

/** Options of `monitor.metricsHandler()`. With neither `allow` nor `basicAuth`, every scrape is denied. */
export interface MetricsHandlerOptions {
  /** IP addresses and CIDR ranges (IPv4 and IPv6) allowed to scrape. */
  allow?: string[]
  /** Basic credentials required to scrape; give `passwordHash` (see `hashPassword`) or `password`. */
  basicAuth?: { username: string; passwordHash?: string; password?: string }
  /** Proxies whose `X-Forwarded-For` is believed; from anyone else the header is ignored. */
  trustProxies?: string[]
}

const optionsSchema = z
  .object({
    allow: z.array(z.string().min(1)).optional(),
    basicAuth: z
      .object({
        username: z.string().min(1),
        passwordHash: z.string().min(1).optional(),
        password: z.string().min(1).optional(),
      })
      .refine((v) => (v.password === undefined) !== (v.passwordHash === undefined), {
        message: 'give exactly one of password and passwordHash',
      })
      .optional(),
    trustProxies: z.array(z.string().min(1)).optional(),
  })
  .strict()

/** Checks a request against the access options; on refusal it has already answered 401/403/429. */
export type AccessGuard = (req: IncomingMessage, res: ServerResponse) => Promise<boolean>

/**
 * Builds the access check shared by `/metrics` and the Grafana datasource: closed by default
 * (403), an IP/CIDR allowlist (403 when the client is not in it, or when a trusted proxy's
 * `X-Forwarded-For` cannot be parsed), Basic auth (401 with `WWW-Authenticate`; verified off the
 * event loop, 429 with `Retry-After` for a client address that keeps failing or when the
 * verification queue is full); when both are configured, both must pass.
 */
export function createAccessGuard(options: MetricsHandlerOptions = {}, realm = 'metrics'): AccessGuard {
  const config = parseInput(
    optionsSchema,
    options,
    (message, issues) =>
      new MonitorError('MONITOR_INVALID_OPTIONS', `invalid ${realm} access options: ${message}`, {
        details: { issues },
      }),
  )
  const allow: AddressSet | undefined = config.allow ? createAddressSet(config.allow, 'allow') : undefined
  const trusted = config.trustProxies ? createAddressSet(config.trustProxies, 'trustProxies') : undefined
  const auth = config.basicAuth ? createBasicAuth(config.basicAuth) : undefined
  const texts: Record<number, string> = {
    401: 'Unauthorized\n',
    403: 'Forbidden\n',
    429: 'Too Many Requests\n',
  }
  const deny = (res: ServerResponse, status: number, extra: Record<string, string> = {}) => {
    res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', ...extra })
    res.end(texts[status])
    return false
  }
  return async (req, res) => {
    if (!allow && !auth) return deny(res, 403)
    const client = clientAddress(req.socket.remoteAddress, req.headers['x-forwarded-for'], trusted)
    if (allow && (!client || !allow.has(client))) return deny(res, 403)
    if (auth) {
      const verdict = await auth(req.headers.authorization, client ?? 'unattributable')
      if (verdict === 'throttled') return deny(res, 429, { 'retry-after': '60' })
      if (verdict !== 'ok')
        return deny(res, 401, { 'www-authenticate': `Basic realm="${realm}", charset="UTF-8"` })
    }
    return true
  }
}

/** A node:http handler serving the Prometheus exposition (or a Connect middleware: `next` is unused). */
export type MetricsHandler = (req: IncomingMessage, res: ServerResponse) => Promise<void>

/** Builds the `/metrics` handler, behind {@link createAccessGuard}. */
export function createMetricsHandler(
  registry: MetricsRegistry,
  options: MetricsHandlerOptions = {},
): MetricsHandler {
  const guard = createAccessGuard(options, 'metrics')
  return async (req, res) => {
    if (!(await guard(req, res))) return
    const body = await registry.metrics()
    res.writeHead(200, { 'content-type': registry.contentType, 'cache-control': 'no-store' })
    res.end(body)
  }
}
