import { readFileSync } from 'node:fs'
import { HttpError } from '../http/http-error.js'
import { sendJson } from '../http/json.js'
import type { Router } from '../http/router.js'
import { actorOf } from '../routes/context.js'
import { auditClient } from './audit-client.js'
import type { OpsDeps } from './ops-deps.js'
import { registerOpsLoginRoutes } from './ops-login.js'
import { createOpsSessionGuard, type OpsSessionGuard } from './ops-session.js'
import { readOpsState } from './ops-state.js'
import { createOpsEventStream, type OpsEventStream } from './ops-stream.js'

export type { OpsDeps } from './ops-deps.js'

const asset = (name: string) => readFileSync(new URL(`./public/${name}`, import.meta.url), 'utf8')
const ASSETS = {
  '/ops': { body: asset('ops.html'), type: 'text/html; charset=utf-8' },
  '/ops/ops.js': { body: asset('ops.js'), type: 'text/javascript; charset=utf-8' },
  '/ops/ops.css': { body: asset('ops.css'), type: 'text/css; charset=utf-8' },
} as const
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self' data:; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'cache-control': 'no-store',
}

/** The operator page `/ops`: login, state, acknowledgement and a Server-Sent Events stream. */
export function registerOpsRoutes(router: Router, deps: OpsDeps) {
  const guard = createOpsSessionGuard(deps)
  const stream = createOpsEventStream(deps)

  for (const [path, file] of Object.entries(ASSETS)) {
    router.on('GET', path, ({ res }) => {
      res.writeHead(200, { 'content-type': file.type, ...SECURITY_HEADERS })
      res.end(file.body)
    })
  }
  registerOpsLoginRoutes(router, deps, guard, stream)

  router.on('GET', '/ops/api/state', async (ctx) => {
    const s = await guard.session(ctx)
    sendJson(ctx.res, 200, await readOpsState(deps, s))
  })
  registerIncidentAck(router, deps, guard, stream)

  router.on('POST', '/ops/api/reports/:id/link', async (ctx) => {
    await guard.withCsrf(ctx)
    // A short-lived, single-use link: the page navigates to it at once.
    const link = await deps.reports.reports.createDownloadLink(ctx.params.id ?? '', {
      expiresInMs: 60_000,
      maxDownloads: 1,
    })
    sendJson(ctx.res, 201, { url: link.url, expiresAt: link.expiresAt.toISOString() })
  })

  router.on('GET', '/ops/events', async (ctx) => {
    stream.open(ctx, await guard.session(ctx))
  })

  return { close: () => stream.close() }
}

/** `POST /ops/api/incidents/:id/ack`: the operator acknowledges an incident, audited and pushed to every page. */
function registerIncidentAck(router: Router, deps: OpsDeps, guard: OpsSessionGuard, stream: OpsEventStream) {
  const { audit, alerts } = deps
  router.on('POST', '/ops/api/incidents/:id/ack', async (ctx) => {
    const s = await guard.withCsrf(ctx)
    const id = ctx.params.id ?? ''
    if (!alerts.incidents().some((i) => i.id === id))
      throw new HttpError(404, 'INCIDENT_NOT_FOUND', 'no such incident')
    const incident = await alerts.acknowledge(id, s.email)
    await audit.log.log({
      action: 'alert.acknowledge',
      category: 'admin',
      actor: {
        id: s.userId,
        type: 'user',
        email: s.email,
        role: s.role,
        ...auditClient(actorOf(ctx.req, s)),
      },
      target: { type: 'incident', id: incident.id, name: incident.title.slice(0, 250) },
      after: { status: incident.status },
    })
    stream.broadcast('alerts', { type: 'incident' })
    sendJson(ctx.res, 200, {
      id: incident.id,
      status: incident.status,
      acknowledgedBy: incident.acknowledgedBy,
    })
  })
}
