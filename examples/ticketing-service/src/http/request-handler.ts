import type { IncomingMessage, ServerResponse } from 'node:http'
import { isOpskitError, type Logger } from '@opskit/core'
import { CriticalListenerError } from '../domain/hooks.js'
import type { MonitorWiring } from '../wiring/monitor.js'
import { HttpError } from './http-error.js'
import { sendJson } from './json.js'
import type { Router } from './router.js'

/** What {@link createRequestHandler} dispatches to. */
export interface RequestHandlerDeps {
  router: Router
  monitor: Pick<MonitorWiring, 'metrics' | 'health'>
  logger: Logger
  /** Fault injection: extra latency added to every `/api` request (0 for none). */
  extraLatencyMs: () => number
}

/**
 * The service's request handler: `/metrics` and the health endpoints, then the router; every
 * error becomes a JSON error answer ({@link sendErrorAnswer}).
 */
export function createRequestHandler(deps: RequestHandlerDeps) {
  const { router, monitor } = deps
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://localhost')
    try {
      if (url.pathname === '/metrics') return await monitor.metrics(req, res)
      if (url.pathname === '/healthz' || url.pathname === '/readyz' || url.pathname === '/startupz') {
        return await monitor.health(req, res)
      }
      const extraLatencyMs = deps.extraLatencyMs()
      if (extraLatencyMs > 0 && url.pathname.startsWith('/api/')) {
        await new Promise((resolve) => setTimeout(resolve, extraLatencyMs))
      }
      const match = router.match(req.method ?? 'GET', url.pathname)
      if ('status' in match) {
        throw match.status === 404
          ? new HttpError(404, 'NOT_FOUND', 'no such resource')
          : new HttpError(405, 'METHOD_NOT_ALLOWED', 'method not allowed here')
      }
      await match.handler({ req, res, params: match.params, url })
    } catch (error) {
      sendErrorAnswer(res, error, deps.logger, url.pathname)
    }
  }
}

/**
 * Answers a failed request: an {@link HttpError} with its status and code, an unrecorded audit
 * event with 503 (fail closed), an opskit validation error with 400, anything else with a logged
 * 500 that says nothing of the cause. A response already under way is cut off.
 */
function sendErrorAnswer(res: ServerResponse, error: unknown, logger: Logger, path: string): void {
  if (res.headersSent) {
    res.destroy()
    return
  }
  if (error instanceof HttpError) {
    sendJson(
      res,
      error.status,
      {
        error: {
          code: error.code,
          message: error.message,
          ...(error.details ? { details: error.details } : {}),
        },
      },
      error.headers,
    )
    return
  }
  if (error instanceof CriticalListenerError) {
    // The change could not be recorded where it must be (the audit trail): fail closed.
    sendJson(
      res,
      503,
      {
        error: {
          code: 'AUDIT_UNAVAILABLE',
          message: 'the action could not be recorded; try again later',
        },
      },
      { 'retry-after': '5' },
    )
    return
  }
  logger.error({ err: error, path }, 'request failed')
  sendJson(res, isOpskitError(error) ? 400 : 500, {
    error: isOpskitError(error)
      ? { code: error.code, message: error.message }
      : { code: 'INTERNAL', message: 'internal error' },
  })
}
